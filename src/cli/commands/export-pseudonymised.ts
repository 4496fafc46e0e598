/**
 * `mimamori export pseudonymised --out FILE` (docs/cli.md, issue 12): the
 * analyst export of the newest scoring run (pipeline/pseudonymise.ts). The
 * HMAC key stays in the database; the file holds no name, address or 宛名番号.
 */
import { createScoringRepository } from "../../db/scoring.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { systemScope } from "../../domain/policy/index.ts";
import { pseudonymisedCsv } from "../../pipeline/pseudonymise.ts";
import type { Command } from "../command.ts";
import { runExport } from "../csv-export.ts";

const usage = "mimamori export pseudonymised --out FILE";
export const exportPseudonymised: Command = {
  path: ["export", "pseudonymised"],
  summary:
    "分析用の仮名化データ（仮名 ID・生年月・性別・該当項目）を CSV に書き出します。氏名・住所・宛名番号は含みません。",
  usage,
  run: (args, globals) =>
    runExport(args, globals, usage, "pseudonymised", async (db, municipalityId) => {
      const run = await createScoringRepository(db).latestScoreRun(municipalityId);
      if (!run)
        throw new MimamoriError(
          "not_found",
          "判定の結果がありません。先に mimamori run を実行してください。",
        );
      const disclosed = new Set<string>();
      return {
        lines: pseudonymisedCsv(db, systemScope(municipalityId), run, disclosed),
        disclosed,
        target: `score_run:${run.id}`,
        describe: `判定実行番号 ${run.id}、基準日 ${run.asOf}。仮名 ID の鍵はデータベースにだけ保管されます`,
      };
    }),
};
