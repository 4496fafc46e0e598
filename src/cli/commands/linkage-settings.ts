/**
 * `mimamori linkage settings show|set|reset`: the municipality's own 名寄せ
 * settings (pipeline/linkage-settings.ts; docs/linkage.md).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { openDatabase } from "../../db/database.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { JAPANESE_SETTINGS } from "../../domain/linkage/japanese-settings.ts";
import {
  loadLinkageSettings,
  parseLinkageSettingsText,
  resetLinkageSettings,
  saveLinkageSettings,
} from "../../pipeline/linkage-settings.ts";
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

const showUsage = "mimamori linkage settings show [--default]";
const settingsShow: Command = {
  path: ["linkage", "settings", "show"],
  summary:
    "名寄せ設定（比較の段階・ブロッキング・しきい値）を JSON で表示します。--default は組み込みの設定。",
  usage: showUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(args, { default: { type: "boolean" } }, showUsage);
    if (values.default === true) {
      process.stdout.write(`${JSON.stringify(JAPANESE_SETTINGS, null, 2)}\n`);
      return 0;
    }
    return withMunicipality(globals, async (db, mid) => {
      const loaded = await loadLinkageSettings(db, mid);
      process.stderr.write(
        loaded.own
          ? `この自治体の名寄せ設定です（${loaded.actor}、${loaded.updatedAt?.toISOString().slice(0, 10)} 登録）。\n`
          : "この自治体の設定は登録されていないため、組み込みの名寄せ設定を使います。\n",
      );
      process.stdout.write(`${JSON.stringify(loaded.settings, null, 2)}\n`);
      return 0;
    });
  },
};

const setUsage = "mimamori linkage settings set FILE";
const settingsSet: Command = {
  path: ["linkage", "settings", "set"],
  summary:
    "名寄せ設定のファイル（JSON・YAML）を確認して登録します。次回の名寄せから使われ、実行ごとに記録されます。",
  usage: setUsage,
  async run(args, globals) {
    const { positionals } = parseCommandArgs(args, {}, setUsage, true);
    const path = positionals[0];
    if (positionals.length !== 1 || path === undefined)
      throw new MimamoriError("invalid_input", "名寄せ設定のファイルを1つ指定してください。", [
        `使い方: ${setUsage}`,
        "ひな形: mimamori linkage settings show --default > 名寄せ設定.json",
      ]);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new MimamoriError("not_found", `名寄せ設定 ${path} を読めません。`, [], e);
    }
    const settings = parseLinkageSettingsText(text, basename(path));
    return withMunicipality(globals, async (db, mid) => {
      await saveLinkageSettings(db, mid, settings, CLI_ACTOR);
      process.stdout.write(
        `名寄せ設定（${settings.version}）を登録しました。次回の名寄せから使われます。\n`,
      );
      return 0;
    });
  },
};

const resetUsage = "mimamori linkage settings reset";
const settingsReset: Command = {
  path: ["linkage", "settings", "reset"],
  summary: "この自治体の名寄せ設定を削除し、組み込みの設定に戻します。",
  usage: resetUsage,
  async run(args, globals) {
    parseCommandArgs(args, {}, resetUsage);
    return withMunicipality(globals, async (db, mid) => {
      const had = await resetLinkageSettings(db, mid, CLI_ACTOR);
      process.stdout.write(
        had
          ? "名寄せ設定を組み込みの設定に戻しました。次回の名寄せから使われます。\n"
          : "この自治体の名寄せ設定は登録されていません（組み込みの設定を使っています）。\n",
      );
      return 0;
    });
  },
};

export const linkageSettingsCommands: readonly Command[] = [
  settingsShow,
  settingsSet,
  settingsReset,
];
