/**
 * `mimamori run [--as-of DATE]` (spec/cli.md): one monthly run — 名寄せ
 * (pipeline/linkage.ts), then data items and scores per difficulty type as of
 * the same date (pipeline/score.ts).
 */
import { openDatabase } from "../../db/database.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { parseDate } from "../../domain/ja/date.ts";
import type { IsoDate } from "../../domain/types.ts";
import { runLinkage } from "../../pipeline/linkage.ts";
import { formatScoreSummary, scoreRun } from "../../pipeline/score.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../server/bootstrap.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const usage = "mimamori run [--as-of DATE]";

export const runCommand: Command = {
  path: ["run"],
  summary:
    "取り込んだデータを名寄せし、基準日時点のデータ項目と困難の種類ごとの点数を判定して保存します。",
  usage,
  async run(args, globals) {
    const { values } = parseCommandArgs(args, { "as-of": { type: "string" } }, usage);
    let asOf: IsoDate | undefined;
    if (values["as-of"] !== undefined) {
      const d = parseDate(values["as-of"]);
      if (!d.ok)
        throw new MimamoriError("invalid_input", `--as-of の日付が正しくありません: ${d.reason}`);
      asOf = d.value;
    }
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
        DEFAULT_MUNICIPALITY_NAME,
      );
      const r = await runLinkage(opened, {
        municipalityId,
        ...(asOf === undefined ? {} : { asOf }),
        actor: { userId: null, loginName: "cli" },
        clock: () => performance.now(),
      });
      const n = (x: number) => x.toLocaleString("ja-JP");
      const s = (ms: number) => (ms / 1000).toFixed(1);
      process.stdout.write(
        [
          `名寄せ（基準日 ${r.asOf}、実行番号 ${r.runId}）`,
          `  取り込みデータ ${n(r.snapshots)} ファイル、${n(r.rows)} 行 → ${n(r.persons)} 人（取り込み時のエラー行 ${n(r.rejected)} 行は名寄せの対象外）`,
          `  つなぎ方: 宛名番号 ${n(r.methods.id)} 行、確率的照合 ${n(r.methods.probabilistic)} 行、確認済み ${n(r.methods.manual)} 行、単独 ${n(r.methods.unlinked)} 行`,
          `  住民基本台帳に記録のない人: ${n(r.unmatched)} 人`,
          `  確認待ちの組（同一人物か判断が必要）: ${n(r.review)} 組`,
          `  所要時間: 読込 ${s(r.timings.read ?? 0)} 秒、名寄せ ${s(r.timings.link ?? 0)} 秒、保存 ${s(r.timings.store ?? 0)} 秒`,
          "",
        ].join("\n"),
      );
      // Items and scores as of the same date, on the persons this run produced.
      const scored = await scoreRun(opened, {
        municipalityId,
        asOf: r.asOf,
        actor: { userId: null, loginName: "cli" },
        clock: () => performance.now(),
      });
      process.stdout.write(`${formatScoreSummary(scored).join("\n")}\n`);
      return 0;
    } finally {
      await opened.close();
    }
  },
};
