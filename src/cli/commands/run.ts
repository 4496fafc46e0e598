/**
 * `mimamori run [--as-of DATE]` (spec/cli.md): one monthly run — 名寄せ, then
 * data items and scores per difficulty type as of the same date — through the
 * engine the web app uses (pipeline/run.ts), under the same lock.
 *
 * Exit codes, for schedulers: 0 done; 1 failed (the previous results stay the
 * latest); 2 wrong options; 3 another run is in progress (try later).
 */
import { openDatabase } from "../../db/database.ts";
import { isMimamoriError, MimamoriError } from "../../domain/errors.ts";
import { parseDate } from "../../domain/ja/date.ts";
import type { IsoDate } from "../../domain/types.ts";
import { monthlyRun, type StageEvent } from "../../pipeline/run.ts";
import { formatScoreSummary } from "../../pipeline/score.ts";
import { RUN_STAGE_NAMES, RUN_STAGES, type RunStage } from "../../pipeline/stages.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const usage = "mimamori run [--as-of DATE]";

/** Exit code when another run holds the lock (cli.md: schedulers retry later). */
export const EXIT_BUSY = 3;

export const runCommand: Command = {
  path: ["run"],
  summary:
    "取り込んだデータを名寄せし、基準日時点のデータ項目と困難の種類ごとの点数を判定して保存します（同時に 1 つだけ。実行中なら終了コード 3）。",
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
    const crash = crashHook(process.env.MIMAMORI_TEST_CRASH_AT);
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
      let result: Awaited<ReturnType<typeof monthlyRun>>;
      try {
        // The operator's monthly run keeps the owner's URL for its COPY connections:
        // with an owner that bypasses RLS, the link and score stores COPY directly
        // (checked in code, db/copy.ts bulkWriter) — issue 15's run time. Runs
        // started from the web use the app login role (staging, RLS-checked).
        result = await monthlyRun(opened, {
          municipalityId,
          ...(asOf === undefined ? {} : { asOf }),
          actor: { userId: null, loginName: "cli" },
          origin: "cli",
          onStage: (e) => process.stdout.write(formatStageEvent(e)),
          ...(crash ? { beforeStage: crash } : {}),
        });
      } catch (e) {
        if (isMimamoriError(e) && e.code === "conflict") {
          process.stderr.write(`エラー: ${e.message}\n`);
          for (const d of e.details) process.stderr.write(`  - ${d}\n`);
          return EXIT_BUSY;
        }
        throw e;
      }
      const r = result.linked;
      const n = (x: number) => x.toLocaleString("ja-JP");
      process.stdout.write(
        [
          "",
          `名寄せ（基準日 ${r.asOf}、実行番号 ${r.runId}）`,
          `  取り込みデータ ${n(r.snapshots)} ファイル、${n(r.rows)} 行 → ${n(r.persons)} 人（取り込み時のエラー行 ${n(r.rejected)} 行は名寄せの対象外）`,
          `  つなぎ方: 宛名番号 ${n(r.methods.id)} 行、確率的照合 ${n(r.methods.probabilistic)} 行、確認済み ${n(r.methods.manual)} 行、単独 ${n(r.methods.unlinked)} 行`,
          `  住民基本台帳に記録のない人: ${n(r.unmatched)} 人`,
          `  確認待ちの組（同一人物か判断が必要）: ${n(r.review)} 組`,
          "",
          ...formatScoreSummary(result.scored),
          `実行 ${result.jobId} は完了し、結果を最新として公開しました。`,
          "",
        ].join("\n"),
      );
      return 0;
    } finally {
      await opened.close();
    }
  },
};

/** One progress line per stage, as the stage ends (stdout: a scheduler's log keeps it). */
function formatStageEvent(e: StageEvent): string {
  if (e.kind === "enter") return "";
  const i = RUN_STAGES.indexOf(e.stage) + 1;
  const n = (x: number) => x.toLocaleString("ja-JP");
  const parts = Object.entries(e.counts)
    .filter(([k]) => k !== "seconds")
    .map(([k, v]) => `${COUNT_NAMES[k] ?? k} ${n(v)}`);
  const sec = e.counts.seconds === undefined ? "" : `（${e.counts.seconds} 秒）`;
  return `[${i}/${RUN_STAGES.length}] ${RUN_STAGE_NAMES[e.stage]}: ${parts.join("、")}${sec}\n`;
}

const COUNT_NAMES: Record<string, string> = {
  snapshots: "ファイル",
  rows: "行",
  rejected: "エラー行",
  persons: "人",
  unmatched: "住基になし",
  review: "確認待ち",
  links: "リンク",
  motherChild: "母子",
  children: "こども",
  items: "該当項目",
  flagged: "基準以上",
  results: "点数",
  linkRun: "名寄せ実行番号",
  scoreRun: "判定実行番号",
};

/**
 * Test hook for the crash-safety test (test/e2e/crash-safety.test.ts):
 * `MIMAMORI_TEST_CRASH_AT=stage` kills this process with SIGKILL as that
 * stage begins; `stage+MS` kills it MS milliseconds later (inside the
 * stage, e.g. mid-COPY). SIGKILL, like a power cut or the OOM killer, runs
 * no cleanup.
 */
function crashHook(spec: string | undefined): ((stage: RunStage) => void) | undefined {
  if (!spec) return undefined;
  const [stage, ms] = spec.split("+");
  return (s) => {
    if (s !== stage) return;
    const kill = () => process.kill(process.pid, "SIGKILL");
    if (ms === undefined) kill();
    else setTimeout(kill, Number(ms));
  };
}
