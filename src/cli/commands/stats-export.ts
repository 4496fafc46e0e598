/**
 * `mimamori stats export --out FILE [--run ID] [--min-cell N]` (issue 7): the
 * aggregate 2×2 counts per item × type of a scoring run, with small-cell and
 * complementary suppression, in the format `stats pool` reads
 * (domain/stats/aggregate.ts). No person-level data.
 */
import { resolve } from "node:path";
import { openDatabase } from "../../db/database.ts";
import { DEFAULT_SUPPRESSION_K } from "../../domain/stats/suppression.ts";
import { writeFileAtomically } from "../../pipeline/atomic-file.ts";
import { auditValidation, buildAggregateExport } from "../../pipeline/validation.ts";
import { intOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { outPath } from "../csv-export.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const usage = "mimamori stats export --out FILE [--run ID] [--min-cell N]";

export const statsExport: Command = {
  path: ["stats", "export"],
  summary:
    "他の自治体と統合するための集計ファイル（項目 × 類型の 2×2 表、小さな件数は秘匿）を書き出します",
  usage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      { out: { type: "string" }, run: { type: "string" }, "min-cell": { type: "string" } },
      usage,
    );
    const path = outPath(values.out, usage);
    const runId = intOption(values.run, "--run", 1);
    const minCell = intOption(values["min-cell"], "--min-cell", 0) ?? DEFAULT_SUPPRESSION_K;
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
      const out = await buildAggregateExport(opened, { municipalityId, runId, minCell });
      writeFileAtomically(resolve(path), out.csv);
      await auditValidation(opened.db, municipalityId, "stats.export", out.run.id, {
        rows: out.rows.length,
        suppressedTables: out.suppressed,
        minCell,
      });
      process.stdout.write(
        `${path} に ${out.rows.length} 行（項目 × 類型）を書き出しました（判定の実行番号 ${out.run.id}、基準日 ${out.run.asOf}、${minCell === 0 ? "秘匿なし（--min-cell 0）" : `${minCell} 未満のセルを秘匿: ${out.suppressed} 表`}）。\n`,
      );
      return 0;
    } finally {
      await opened.close();
    }
  },
};
