/**
 * `mimamori gaiji set FILE` / `gaiji show`: the municipality's 外字 table
 * (issue 14; docs/sources-and-items.md), used by every later 名寄せ run.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { openDatabase } from "../../db/database.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { loadGaiji, parseGaijiText, saveGaiji } from "../../pipeline/gaiji.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command, GlobalOptions } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

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

const setUsage = "mimamori gaiji set FILE";
const gaijiSet: Command = {
  path: ["gaiji", "set"],
  summary: "外字対応表（外字コード → 文字）を登録します。次回の名寄せから使われます。",
  usage: setUsage,
  async run(args, globals) {
    const { positionals } = parseCommandArgs(args, {}, setUsage, true);
    const path = positionals[0];
    if (positionals.length !== 1 || path === undefined)
      throw new MimamoriError("invalid_input", "外字対応表のファイルを1つ指定してください。", [
        `使い方: ${setUsage}`,
      ]);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new MimamoriError("not_found", `外字対応表 ${path} を読めません。`, [], e);
    }
    const entries = parseGaijiText(text, basename(path));
    return withMunicipality(globals, async (db, mid) => {
      const n = await saveGaiji(db, mid, entries, { userId: null, loginName: "cli" });
      process.stdout.write(`外字対応表を登録しました（${n} 文字）。次回の名寄せから使われます。\n`);
      return 0;
    });
  },
};

const showUsage = "mimamori gaiji show";
const gaijiShow: Command = {
  path: ["gaiji", "show"],
  summary: "登録されている外字対応表を表示します。",
  usage: showUsage,
  async run(args, globals) {
    parseCommandArgs(args, {}, showUsage);
    return withMunicipality(globals, async (db, mid) => {
      const table = await loadGaiji(db, mid);
      if (table.size === 0) process.stdout.write("外字対応表は登録されていません。\n");
      for (const [code, ch] of table) {
        const cp = (code.codePointAt(0) as number).toString(16).toUpperCase();
        process.stdout.write(`U+${cp}: ${ch}\n`);
      }
      return 0;
    });
  },
};

export const gaijiCommands: readonly Command[] = [gaijiSet, gaijiShow];
