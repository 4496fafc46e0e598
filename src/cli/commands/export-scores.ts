/**
 * `mimamori export flags --out FILE` and `mimamori export scores --out FILE`
 * (spec/cli.md): the newest scoring run as CSV — one line per person and data
 * item that holds, with its evidence; one line per child and difficulty type.
 * Written under a temporary name and renamed into place, so a file is never
 * half-written; audited (`export.flags`, `export.scores`).
 */
import { createAuditRepository } from "../../db/audit.repository.ts";
import { openDatabase } from "../../db/database.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { createScoringRepository } from "../../db/scoring.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { evidenceText } from "../../domain/items/evidence.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../server/bootstrap.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command, GlobalOptions } from "../command.ts";
import { csvLine, outPath, writeAtomically } from "../csv-export.ts";

/** Runs `export flags` or `export scores`. */
export async function exportScoring(
  args: string[],
  globals: GlobalOptions,
  usage: string,
  what: "flags" | "scores",
): Promise<number> {
  const { values } = parseCommandArgs(args, { out: { type: "string" } }, usage);
  const path = outPath(values.out, usage);
  const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
  try {
    const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
      DEFAULT_MUNICIPALITY_NAME,
    );
    const repo = createScoringRepository(opened.db);
    const run = await repo.latestScoreRun(municipalityId);
    if (!run)
      throw new MimamoriError(
        "not_found",
        "判定の結果がありません。先に mimamori run を実行してください。",
      );
    const lines =
      what === "flags"
        ? (async function* () {
            yield csvLine(["person_id", "item_id", "as_of", "evidence"]);
            for await (const page of repo.streamItems(municipalityId, run.id))
              for (const it of page)
                yield csvLine([it.personId, it.itemId, run.asOf, evidenceText(it.evidence)]);
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
              for (const s of page)
                yield csvLine([
                  s.personId,
                  s.difficulty,
                  s.score,
                  s.threshold,
                  s.flagged ? 1 : 0,
                  s.totalPoints,
                ]);
          })();
    const written = (await writeAtomically(path, lines)) - 1;
    await createAuditRepository(opened.db).append({
      municipalityId,
      actorUserId: null,
      actor: "cli",
      action: `export.${what}`,
      target: `score_run:${run.id}`,
      detail: { rows: written },
    });
    process.stderr.write(
      `${path} に ${written.toLocaleString("ja-JP")} 行を書き出しました（判定実行番号 ${run.id}、基準日 ${run.asOf}、規則 ${run.ruleVersion}）。\n`,
    );
    return 0;
  } finally {
    await opened.close();
  }
}

const scoresUsage = "mimamori export scores --out FILE";
export const exportScores: Command = {
  path: ["export", "scores"],
  summary: "こどもごと・困難の類型ごとの点数、基準値、基準以上かどうかを CSV に書き出します。",
  usage: scoresUsage,
  run: (args, globals) => exportScoring(args, globals, scoresUsage, "scores"),
};
