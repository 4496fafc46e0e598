import { resolve } from "node:path";
import { ZodError } from "zod";
import { withoutDataScope } from "../db/scope.ts";
import { isMimamoriError } from "../domain/errors.ts";
import { japaneseIssues } from "../domain/zod-messages.ts";
import type { Command, GlobalOptions } from "./command.ts";
import { commands } from "./commands/index.ts";

/**
 * Splits the global options (`--db`, `--home`, anywhere on the line) from the
 * rest, so every command sees the same `GlobalOptions` (cli.md).
 */
export function parseGlobals(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { globals: GlobalOptions; rest: string[] } {
  const rest: string[] = [];
  let db: string | undefined;
  let home: string | undefined;
  let municipality: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.startsWith("--") ? splitEq(a) : [a, undefined];
    if (flag === "--db" || flag === "--home" || flag === "--municipality") {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") throw usageError(`${flag} には値が必要です。`);
      if (flag === "--db") db = value;
      else if (flag === "--home") home = value;
      else municipality = value.trim();
    } else {
      rest.push(a);
    }
  }
  const envUrl = env.DATABASE_URL === "" ? undefined : env.DATABASE_URL;
  return {
    globals: {
      databaseUrl: db ?? envUrl,
      home: resolve(cwd, home ?? env.MIMAMORI_HOME ?? ".mimamori"),
      municipality: municipality ?? (env.MIMAMORI_MUNICIPALITY || undefined),
    },
    rest,
  };
}

function splitEq(a: string): [string, string | undefined] {
  const i = a.indexOf("=");
  return i < 0 ? [a, undefined] : [a.slice(0, i), a.slice(i + 1)];
}

function usageError(message: string): Error {
  const e = new Error(message);
  e.name = "UsageError";
  return e;
}

function findCommand(rest: string[]): { command: Command; args: string[] } | undefined {
  // Longest path first, so `db migrate` wins over a hypothetical `db`.
  const sorted = [...commands].sort((a, b) => b.path.length - a.path.length);
  for (const command of sorted) {
    if (command.path.every((w, i) => rest[i] === w)) {
      return { command, args: rest.slice(command.path.length) };
    }
  }
  return undefined;
}

export function helpText(): string {
  const lines = [
    "mimamori — こどもデータ連携システム",
    "",
    "使い方: mimamori <コマンド> [オプション]",
    "",
    "共通オプション:",
    "  --db URL     PostgreSQL の接続先（省略時は DATABASE_URL、なければ内蔵 PostgreSQL）",
    "  --home DIR   データの置き場所（既定 ./.mimamori）",
    "  --municipality CODE  自治体コード（1 台のサーバーに複数の自治体があるとき、対象の自治体を指定）",
    "",
    "コマンド:",
  ];
  for (const c of commands) lines.push(`  ${c.usage}`, `      ${c.summary}`);
  return lines.join("\n");
}

/**
 * One short line for a command that does not exist: only the words that name
 * it (never the options after it, which may hold paths or a purpose), and
 * under a known group (`export`, `rules` …) the words that may follow.
 */
export function unknownCommandMessage(rest: readonly string[]): string {
  const words: string[] = [];
  for (const w of rest) {
    if (w.startsWith("-") || words.length >= 3) break;
    words.push(w.length > 40 ? `${w.slice(0, 40)}…` : w);
  }
  const named = words.join(" ") || (rest[0] ?? "");
  for (let depth = Math.min(words.length - 1, 2); depth >= 1; depth--) {
    const group = words.slice(0, depth);
    const next = [
      ...new Set(
        commands
          .filter((c) => c.path.length > depth && group.every((w, i) => c.path[i] === w))
          .map((c) => c.path[depth] as string),
      ),
    ];
    if (next.length > 0)
      return `「${named}」というコマンドはありません。${group.join(" ")} の後には ${next.join("・")} のどれかを指定してください（mimamori help で一覧）。`;
  }
  return `「${named}」というコマンドはありません。mimamori help で一覧を確認してください。`;
}

/** Runs the CLI; returns the process exit code. Errors become one Japanese line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { globals, rest } = parseGlobals(argv, process.env, process.cwd());
    if (rest.length === 0 || rest[0] === "help" || rest[0] === "--help" || rest[0] === "-h") {
      process.stdout.write(`${helpText()}\n`);
      return rest.length === 0 ? 2 : 0;
    }
    const found = findCommand(rest);
    if (!found) {
      process.stderr.write(`エラー: ${unknownCommandMessage(rest)}\n`);
      return 2;
    }
    // Each command enters its municipality's data scope (cli/municipality.ts);
    // this frame keeps it from outliving the command (tests run several).
    const { command, args } = found;
    return await withoutDataScope(() => command.run(args, globals));
  } catch (e) {
    return reportCliError(e);
  }
}

/** The CLI's one error mapper: a Japanese message on stderr, a non-zero exit code. */
export function reportCliError(e: unknown): number {
  if (isMimamoriError(e)) {
    process.stderr.write(`エラー: ${e.message}\n`);
    for (const d of e.details) process.stderr.write(`  - ${d}\n`);
    return e.code === "invalid_input" ? 2 : 1;
  }
  if (e instanceof ZodError) {
    // A file the command read (mapping, settings) did not fit its schema.
    process.stderr.write("エラー: 入力内容に誤りがあります。\n");
    for (const d of japaneseIssues(e)) process.stderr.write(`  - ${d}\n`);
    return 2;
  }
  if (e instanceof Error && e.name === "UsageError") {
    process.stderr.write(`エラー: ${e.message}\n`);
    return 2;
  }
  process.stderr.write(
    `エラー: 予期しない問題が発生しました（${e instanceof Error ? e.message : String(e)}）。\n`,
  );
  return 1;
}
