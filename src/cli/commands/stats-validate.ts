/**
 * `mimamori stats validate [--run ID] [--out DIR] [--alpha P]` (issue 7): the
 * validation report of a scoring run — item validation against the 2024
 * report's 抽出群, rules against the labels available now, the funnel, and
 * fairness — as CSV files and a printable report.html in DIR. The work is
 * pipeline/validation.ts; this only parses, opens the database and audits.
 */
import { resolve } from "node:path";
import { openDatabase } from "../../db/database.ts";
import { MimamoriError } from "../../domain/errors.ts";
import {
  auditValidation,
  buildValidationReport,
  writeValidationReport,
} from "../../pipeline/validation.ts";
import { intOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const usage = "mimamori stats validate [--run ID] [--out DIR] [--alpha P]";

/** `--alpha`: a significance level strictly between 0 and 1 (default 0.05). */
export function alphaOption(value: string | undefined): number {
  if (value === undefined) return 0.05;
  const alpha = Number(value);
  if (!(alpha > 0 && alpha < 1)) {
    throw new MimamoriError(
      "invalid_input",
      `--alpha は 0 より大きく 1 より小さい数にしてください（「${value}」）。`,
    );
  }
  return alpha;
}

export const statsValidate: Command = {
  path: ["stats", "validate"],
  summary: "判定の結果からデータ項目・判定規則・公平性の検証報告（CSV と印刷用 HTML）を作ります",
  usage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      { run: { type: "string" }, out: { type: "string" }, alpha: { type: "string" } },
      usage,
    );
    const runId = intOption(values.run, "--run", 1);
    const alpha = alphaOption(values.alpha);
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
      const report = await buildValidationReport(opened, { municipalityId, runId, alpha });
      const dir = resolve(values.out ?? `mimamori-validation-${report.run.id}`);
      const files = writeValidationReport(dir, report);
      await auditValidation(opened.db, municipalityId, "stats.validate", report.run.id, {
        children: report.children,
        tests: report.validation.length,
        associated: report.validation.filter((v) => v.associated).length,
        files: files.length,
      });
      const marked = (m: string) => report.validation.filter((v) => v.marker === m).length;
      process.stdout.write(
        [
          `検証報告を ${dir} に書き出しました（${files.join("、")}）。`,
          `判定の実行番号 ${report.run.id}（基準日 ${report.run.asOf}）、対象のこども ${report.children.toLocaleString("ja-JP")} 人。`,
          `データ項目 × 困難類型 ${report.validation.length} 組: ● ${marked("●")}、◆ ${marked("◆")}、– ${marked("–")}。`,
          "カンファレンスの選定・判断・支援開始はまだ記録されていないため、流れの表は判定数までです。",
          "",
        ].join("\n"),
      );
      return 0;
    } finally {
      await opened.close();
    }
  },
};
