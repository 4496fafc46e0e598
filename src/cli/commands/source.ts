/**
 * `mimamori source add|list|show|remove`: a municipality's declared sources
 * (issue 14, docs/sources-and-items.md). `add` checks the file against the
 * other declarations and stores it; `show` prints any source — a built-in
 * too — in the declared form, as a starting point for one's own.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { stringify } from "yaml";
import { openDatabase } from "../../db/database.ts";
import { MimamoriError } from "../../domain/errors.ts";
import type { Layout } from "../../domain/layouts.ts";
import {
  declareSource,
  loadSources,
  parseDeclarationText,
  removeSource,
} from "../../pipeline/sources.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command, GlobalOptions } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const CLI_ACTOR = { userId: null, loginName: "cli" } as const;

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

function kindOf(l: Layout): string {
  if (!l.builtIn) return "自治体の定義";
  return l.declaration.extends ? "標準（列を追加）" : "標準";
}

const addUsage = "mimamori source add FILE";
const sourceAdd: Command = {
  path: ["source", "add"],
  summary: "取り込み元の定義ファイル（YAML・JSON）を登録します（同じ ID があれば置き換えます）。",
  usage: addUsage,
  async run(args, globals) {
    const { positionals } = parseCommandArgs(args, {}, addUsage, true);
    if (positionals.length !== 1) {
      throw new MimamoriError("invalid_input", "定義ファイルを1つ指定してください。", [
        `使い方: ${addUsage}`,
      ]);
    }
    const path = positionals[0] as string;
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new MimamoriError(
        "not_found",
        `定義ファイル ${path} を読めません。パスを確認してください。`,
        [],
        e,
      );
    }
    const declaration = parseDeclarationText(text.replace(/^\ufeff/, ""), basename(path));
    return withMunicipality(globals, async (db, mid) => {
      const { replaced, sources } = await declareSource(db, mid, declaration, CLI_ACTOR);
      const l = sources.find(declaration.id) as Layout;
      process.stdout.write(
        `取り込み元「${l.id}（${l.name}）」を${replaced ? "置き換えました" : "登録しました"}: 列 ${l.columns.length - 1} 個、必須 ${
          l.columns
            .filter((c) => c.required)
            .map((c) => c.name)
            .join("・") || "なし"
        }、出来事の日付 ${l.eventDate ?? "なし"}。\n`,
      );
      return 0;
    });
  },
};

const listUsage = "mimamori source list [--json]";
const sourceList: Command = {
  path: ["source", "list"],
  summary: "取り込み元の一覧（標準の19件と、この自治体が定義したもの）を表示します。",
  usage: listUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(args, { json: { type: "boolean" } }, listUsage);
    return withMunicipality(globals, async (db, mid) => {
      const sources = await loadSources(db, mid);
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify(
            sources.layouts.map((l) => ({
              id: l.id,
              name: l.name,
              kind: kindOf(l),
              subject: l.subject,
            })),
            null,
            2,
          )}\n`,
        );
        return 0;
      }
      for (const l of sources.layouts) {
        process.stdout.write(
          `${l.id}\t${l.name}\t${kindOf(l)}${l.subject === "mother" ? "\t母の行" : ""}\n`,
        );
      }
      return 0;
    });
  },
};

const showUsage = "mimamori source show ID [--json]";
const sourceShow: Command = {
  path: ["source", "show"],
  summary: "取り込み元の定義を、定義ファイルと同じ形（YAML）で表示します。",
  usage: showUsage,
  async run(args, globals) {
    const { values, positionals } = parseCommandArgs(
      args,
      { json: { type: "boolean" } },
      showUsage,
      true,
    );
    const id = positionals[0];
    if (id === undefined) {
      throw new MimamoriError("invalid_input", "取り込み元の ID を指定してください。", [
        `使い方: ${showUsage}`,
      ]);
    }
    return withMunicipality(globals, async (db, mid) => {
      const sources = await loadSources(db, mid);
      const l = sources.find(id);
      if (!l) {
        throw new MimamoriError("not_found", `取り込み元「${id}」はありません。`, [
          "mimamori source list で一覧を確かめてください。",
        ]);
      }
      process.stdout.write(
        values.json ? `${JSON.stringify(l.declaration, null, 2)}\n` : stringify(l.declaration),
      );
      return 0;
    });
  },
};

const removeUsage = "mimamori source remove ID";
const sourceRemove: Command = {
  path: ["source", "remove"],
  summary: "この自治体が登録した取り込み元の定義を削除します（取り込み済みの行は残ります）。",
  usage: removeUsage,
  async run(args, globals) {
    const { positionals } = parseCommandArgs(args, {}, removeUsage, true);
    const id = positionals[0];
    if (id === undefined) {
      throw new MimamoriError("invalid_input", "取り込み元の ID を指定してください。", [
        `使い方: ${removeUsage}`,
      ]);
    }
    return withMunicipality(globals, async (db, mid) => {
      await removeSource(db, mid, id, CLI_ACTOR);
      process.stdout.write(`取り込み元「${id}」の定義を削除しました。\n`);
      return 0;
    });
  },
};

export const sourceCommands: readonly Command[] = [sourceAdd, sourceList, sourceShow, sourceRemove];
