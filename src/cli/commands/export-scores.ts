/**
 * `mimamori export flags --out FILE` and `mimamori export scores --out FILE`
 * (spec/cli.md): the newest scoring run as CSV — one line per person and data
 * item that holds, with its evidence; one line per child and difficulty type.
 * Written under a temporary name and renamed into place, so a file is never
 * half-written; audited (`export.flags`, `export.scores`).
 */
import { createScoringRepository } from "../../db/scoring.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { evidenceText } from "../../domain/items/evidence.ts";
import type { Command, GlobalOptions } from "../command.ts";
import { csvLine, runExport } from "../csv-export.ts";

/** Runs `export flags` or `export scores`. */
export function exportScoring(
  args: string[],
  globals: GlobalOptions,
  usage: string,
  what: "flags" | "scores",
): Promise<number> {
  return runExport(args, globals, usage, what, async (db, municipalityId) => {
    const repo = createScoringRepository(db);
    const run = await repo.latestScoreRun(municipalityId);
    if (!run)
      throw new MimamoriError(
        "not_found",
        "判定の結果がありません。先に mimamori run を実行してください。",
      );
    const disclosed = new Set<string>();
    const lines =
      what === "flags"
        ? (async function* () {
            yield csvLine(["person_id", "item_id", "as_of", "evidence"]);
            for await (const page of repo.streamItems(municipalityId, run.id))
              for (const it of page) {
                disclosed.add(it.personId);
                yield csvLine([it.personId, it.itemId, run.asOf, evidenceText(it.evidence)]);
              }
          })()
        : (async function* () {
            yield csvLine([
              "person_id",
              "difficulty",
              "score",
              "threshold",
              "flagged",
              "total_points",
            ]);
            for await (const page of repo.streamResults(municipalityId, run.id))
              for (const s of page) {
                disclosed.add(s.personId);
                yield csvLine([
                  s.personId,
                  s.difficulty,
                  s.score,
                  s.threshold,
                  s.flagged ? 1 : 0,
                  s.totalPoints,
                ]);
              }
          })();
    return {
      lines,
      disclosed,
      target: `score_run:${run.id}`,
      describe: `判定実行番号 ${run.id}、基準日 ${run.asOf}、規則 ${run.ruleVersion}`,
    };
  });
}

const scoresUsage = "mimamori export scores --out FILE";
export const exportScores: Command = {
  path: ["export", "scores"],
  summary: "こどもごと・困難の類型ごとの点数、基準値、基準以上かどうかを CSV に書き出します。",
  usage: scoresUsage,
  run: (args, globals) => exportScoring(args, globals, scoresUsage, "scores"),
};
