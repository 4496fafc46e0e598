/**
 * `mimamori rules list|show|preview|add|diff|compare` (issue 14,
 * docs/sources-and-items.md): the coordinating office's rule versions from
 * the command line — the same pipeline functions the rules page calls.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { openDatabase } from "../../db/database.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { parseDate } from "../../domain/ja/date.ts";
import { DIFFICULTY_NAMES, type DifficultyId } from "../../domain/scoring/difficulties.ts";
import { parseRulePatch, type RulePatch } from "../../domain/scoring/rule-edit.ts";
import type { Change } from "../../domain/scoring/versions.ts";
import type { IsoDate } from "../../domain/types.ts";
import {
  compareRunWithVersion,
  diffRuleVersions,
  findRuleVersion,
  listRuleVersions,
  previewRulePatch,
  saveRulePatch,
} from "../../pipeline/rules.ts";
import { intOption, parseCommandArgs } from "../args.ts";
import type { Command, GlobalOptions } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const ACTOR = { userId: null, loginName: "cli" } as const;
const n = (x: number) => x.toLocaleString("ja-JP");

async function withMunicipality<T>(
  globals: GlobalOptions,
  f: (db: Awaited<ReturnType<typeof openDatabase>>["db"], mid: number) => Promise<T>,
): Promise<T> {
  const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
  try {
    const id = enterMunicipality(await resolveMunicipality(opened.db, globals));
    return await f(opened.db, id);
  } finally {
    await opened.close();
  }
}

async function readPatch(path: string): Promise<RulePatch> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new MimamoriError("not_found", `規則の変更ファイル ${path} を読めません。`, [], e);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text.replace(/^\ufeff/, ""));
  } catch (e) {
    throw new MimamoriError(
      "invalid_input",
      `${basename(path)} を YAML・JSON として読めません。書式を確認してください。`,
      [e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e)],
      e,
    );
  }
  return parseRulePatch(doc);
}

function dateOption(v: string | undefined, name: string): IsoDate | undefined {
  if (v === undefined) return undefined;
  const d = parseDate(v);
  if (!d.ok)
    throw new MimamoriError("invalid_input", `${name} の日付が正しくありません: ${d.reason}`);
  return d.value;
}

const show = (v: unknown) => (v === undefined ? "（なし）" : JSON.stringify(v));

/** A diff as Japanese lines. */
export function formatChanges(changes: readonly Change[]): string[] {
  if (changes.length === 0) return ["  変更はありません。"];
  return changes.map((c) =>
    c.before === undefined
      ? `  追加 ${c.path}: ${show(c.after)}`
      : c.after === undefined
        ? `  削除 ${c.path}`
        : `  変更 ${c.path}: ${show(c.before)} → ${show(c.after)}`,
  );
}

const typeName = (d: string) => DIFFICULTY_NAMES[d as DifficultyId] ?? d;

const listUsage = "mimamori rules list";
const rulesList: Command = {
  path: ["rules", "list"],
  summary: "規則の版（適用開始日・メモ）の一覧を表示します。",
  usage: listUsage,
  async run(args, globals) {
    parseCommandArgs(args, {}, listUsage);
    return withMunicipality(globals, async (db, mid) => {
      for (const v of await listRuleVersions(db, mid, ACTOR)) {
        process.stdout.write(`${v.label}\t${v.effectiveFrom} から\t${v.actor}\t${v.note}\n`);
      }
      return 0;
    });
  },
};

const showUsage = "mimamori rules show [--version LABEL] [--as-of DATE] [--json]";
const rulesShow: Command = {
  path: ["rules", "show"],
  summary: "規則の版（データ項目の定義・種類ごとの方式・重み・基準値）を YAML で表示します。",
  usage: showUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      { version: { type: "string" }, "as-of": { type: "string" }, json: { type: "boolean" } },
      showUsage,
    );
    const asOf = dateOption(values["as-of"], "--as-of");
    return withMunicipality(globals, async (db, mid) => {
      const v = await findRuleVersion(
        db,
        mid,
        {
          ...(values.version === undefined ? {} : { label: values.version }),
          ...(asOf === undefined ? {} : { asOf }),
        },
        ACTOR,
      );
      const out = { label: v.label, effectiveFrom: v.effectiveFrom, note: v.note, rules: v.rules };
      process.stdout.write(values.json ? `${JSON.stringify(out, null, 2)}\n` : stringify(out));
      return 0;
    });
  },
};

const previewUsage = "mimamori rules preview FILE";
const rulesPreview: Command = {
  path: ["rules", "preview"],
  summary:
    "規則の変更ファイルを保存せずに、最新の判定のデータで何人・何世帯が基準以上になるかを表示します。",
  usage: previewUsage,
  async run(args, globals) {
    const { positionals } = parseCommandArgs(args, {}, previewUsage, true);
    if (positionals.length !== 1)
      throw new MimamoriError("invalid_input", "規則の変更ファイルを1つ指定してください。", [
        `使い方: ${previewUsage}`,
      ]);
    const patch = await readPatch(positionals[0] as string);
    return withMunicipality(globals, async (db, mid) => {
      const p = await previewRulePatch(db, mid, patch);
      const lines = [
        `判定の実行番号 ${p.runId}（基準日 ${p.asOf}、規則 ${p.baseVersion}）のデータで、${patch.version} を使った場合:`,
        ...p.lines.map((l) => {
          const unit = l.capacity.unit === "children" ? "人" : "世帯";
          const b = l.before
            ? `${n(l.before.children)}人・${n(l.before.households)}世帯`
            : "対象外";
          const a = l.after ? `${n(l.after.children)}人・${n(l.after.households)}世帯` : "対象外";
          const work =
            l.monthsOfWork === null
              ? ""
              : `（月 ${l.capacity.perMonth}${unit}の確認で ${l.monthsOfWork.toFixed(1)} か月分）`;
          return `  ${typeName(l.difficulty)}: ${b} → ${a}${work}`;
        }),
        "変更点:",
        ...formatChanges(p.changes),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      return 0;
    });
  },
};

const addUsage = "mimamori rules add FILE --effective DATE --note TEXT";
const rulesAdd: Command = {
  path: ["rules", "add"],
  summary: "規則の変更ファイルから新しい規則の版を作ります（適用開始日とメモを付けて保存）。",
  usage: addUsage,
  async run(args, globals) {
    const { values, positionals } = parseCommandArgs(
      args,
      { effective: { type: "string" }, note: { type: "string" } },
      addUsage,
      true,
    );
    const effectiveFrom = dateOption(values.effective, "--effective");
    if (positionals.length !== 1 || effectiveFrom === undefined || !values.note) {
      throw new MimamoriError(
        "invalid_input",
        "規則の変更ファイル、--effective（適用開始日）、--note（変更の理由）を指定してください。",
        [`使い方: ${addUsage}`],
      );
    }
    const patch = await readPatch(positionals[0] as string);
    return withMunicipality(globals, async (db, mid) => {
      const r = await saveRulePatch(
        db,
        mid,
        patch,
        { effectiveFrom, note: values.note as string },
        ACTOR,
      );
      process.stdout.write(
        `${[`規則の版「${patch.version}」を ${effectiveFrom} から適用として保存しました（元の版 ${r.base}）。変更点:`, ...formatChanges(r.changes)].join("\n")}\n`,
      );
      return 0;
    });
  },
};

const diffUsage = "mimamori rules diff LABEL_A LABEL_B";
const rulesDiff: Command = {
  path: ["rules", "diff"],
  summary: "2つの規則の版の違いを表示します。",
  usage: diffUsage,
  async run(args, globals) {
    const { positionals } = parseCommandArgs(args, {}, diffUsage, true);
    if (positionals.length !== 2)
      throw new MimamoriError("invalid_input", "比べる規則の版を2つ指定してください。", [
        `使い方: ${diffUsage}`,
      ]);
    const [a, b] = positionals as [string, string];
    return withMunicipality(globals, async (db, mid) => {
      const changes = await diffRuleVersions(db, mid, a, b, ACTOR);
      process.stdout.write(`${[`${a} → ${b}:`, ...formatChanges(changes)].join("\n")}\n`);
      return 0;
    });
  },
};

const compareUsage = "mimamori rules compare --version LABEL [--run N] [--json]";
const rulesCompare: Command = {
  path: ["rules", "compare"],
  summary:
    "過去の判定のデータを別の規則の版で判定し直し、基準以上に入る人・外れる人を表示します（保存はしません）。",
  usage: compareUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      { version: { type: "string" }, run: { type: "string" }, json: { type: "boolean" } },
      compareUsage,
    );
    if (values.version === undefined)
      throw new MimamoriError("invalid_input", "--version で比べる規則の版を指定してください。", [
        `使い方: ${compareUsage}`,
      ]);
    const runId = intOption(values.run, "--run", 1, Number.MAX_SAFE_INTEGER);
    return withMunicipality(globals, async (db, mid) => {
      const c = await compareRunWithVersion(db, mid, runId, values.version as string, ACTOR);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
        return 0;
      }
      const lines = [
        `判定の実行番号 ${c.runId}（基準日 ${c.asOf}）: 規則 ${c.runVersion} → ${c.otherVersion}`,
        ...c.types.map(
          (t) =>
            `  ${typeName(t.difficulty)}: 入る ${n(t.entering.length)} 人、外れる ${n(t.leaving.length)} 人、変わらず ${n(t.staying)} 人` +
            (t.entering.length > 0
              ? `\n    入る: ${t.entering.slice(0, 20).join(" ")}${t.entering.length > 20 ? " …" : ""}`
              : "") +
            (t.leaving.length > 0
              ? `\n    外れる: ${t.leaving.slice(0, 20).join(" ")}${t.leaving.length > 20 ? " …" : ""}`
              : ""),
        ),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      return 0;
    });
  },
};

export const rulesCommands: readonly Command[] = [
  rulesList,
  rulesShow,
  rulesPreview,
  rulesAdd,
  rulesDiff,
  rulesCompare,
];
