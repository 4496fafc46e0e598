import { openDatabase } from "../../db/database.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { describeSources, isSourceId } from "../../domain/layouts.ts";
import type { SourceId } from "../../domain/types.ts";
import { importHistory, undoReplacement } from "../../pipeline/import-history.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command, GlobalOptions } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const historyUsage = "mimamori import history [--source ID] [--json]";
const undoUsage = "mimamori import undo SNAPSHOT_ID";

const n = (x: number) => x.toLocaleString("ja-JP");

async function withMunicipality<T>(
  globals: GlobalOptions,
  f: (db: Awaited<ReturnType<typeof openDatabase>>["db"], municipalityId: number) => Promise<T>,
): Promise<T> {
  const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
  try {
    const id = enterMunicipality(await resolveMunicipality(opened.db, globals));
    return await f(opened.db, id);
  } finally {
    await opened.close();
  }
}

/** `import history`: every version of every source, what it replaced, and whether runs use it. */
export const importHistoryCommand: Command = {
  path: ["import", "history"],
  summary:
    "取り込みの履歴（データごとの各版の抽出日・保存行数・エラー行数・取り込んだ人・置き換えた版）を表示します。",
  usage: historyUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      { source: { type: "string" }, json: { type: "boolean" } },
      historyUsage,
    );
    let sourceId: SourceId | undefined;
    if (values.source !== undefined) {
      if (!isSourceId(values.source))
        throw new MimamoriError(
          "invalid_input",
          `--source「${values.source}」という取り込み元はありません。`,
          describeSources(),
        );
      sourceId = values.source;
    }
    const history = await withMunicipality(globals, (db, m) =>
      importHistory(db, m, sourceId === undefined ? {} : { sourceId }),
    );
    if (values.json) {
      process.stdout.write(`${JSON.stringify(history, null, 2)}\n`);
      return 0;
    }
    if (history.length === 0) process.stdout.write("取り込みはまだありません。\n");
    for (const s of history) {
      process.stdout.write(`${s.sourceId}（${s.sourceName}）\n`);
      for (const v of s.versions) {
        const state = v.current
          ? "使用中"
          : v.replacedBy !== null
            ? `置換済（→ 番号 ${v.replacedBy}）`
            : "過去の版";
        process.stdout.write(
          `  番号 ${v.id} 版 ${v.version}「${v.fileName}」${v.manual ? "（手入力）" : ""} 抽出日 ${v.asOf ?? "不明"}、保存 ${n(v.rowsStored)} 行、エラー ${n(v.rowsRejected)} 行、${v.importedAt.toISOString().slice(0, 16).replace("T", " ")} ${v.actor}、${state}\n`,
        );
        for (const r of v.replaced) {
          const what = r.kind === "correct" ? "訂正" : "置き換え";
          const undone = r.undoneAt ? `（${r.undoneBy ?? ""} が元に戻しました）` : "";
          process.stdout.write(`      版 ${r.version}「${r.fileName}」を${what}${undone}\n`);
        }
      }
    }
    return 0;
  },
};

/** `import undo ID`: restore what snapshot ID replaced (audited as import.undo). */
export const importUndoCommand: Command = {
  path: ["import", "undo"],
  summary:
    "取り込み（番号）が置き換えた以前の版を元に戻します。その取り込みは判定に使われなくなります（監査ログに記録）。",
  usage: undoUsage,
  async run(args, globals) {
    const { positionals } = parseCommandArgs(args, {}, undoUsage, true);
    const id = Number(positionals[0]);
    if (positionals.length !== 1 || !Number.isInteger(id) || id <= 0) {
      throw new MimamoriError("invalid_input", "元に戻す取り込みの番号を 1 つ指定してください。", [
        `使い方: ${undoUsage}`,
        "番号は mimamori import history で確認できます。",
      ]);
    }
    const result = await withMunicipality(globals, (db, m) =>
      undoReplacement(db, m, id, { userId: null, loginName: "cli" }),
    );
    for (const r of result.restored) {
      process.stdout.write(
        `版 ${r.version}「${r.fileName}」（抽出日 ${r.asOf ?? "不明"}、保存 ${n(r.rowsStored)} 行）を元に戻しました。\n`,
      );
    }
    process.stdout.write(`番号 ${id} の取り込みは、今後の判定に使われません。\n`);
    return 0;
  },
};
