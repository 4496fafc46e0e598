import { createAuditRepository } from "../../db/audit.repository.ts";
import { openDatabase } from "../../db/database.ts";
import { createRetentionRepository } from "../../db/retention.repository.ts";
import { createRetentionSettingRepository } from "../../db/retention-setting.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import type { IsoDate } from "../../domain/types.ts";
import {
  type CaseRetentionPolicy,
  DEFAULT_CASE_RETENTION,
  purgeCases,
} from "../../pipeline/case-retention.ts";
import { DEFAULT_PERSON_RETENTION, purgePersons } from "../../pipeline/person-retention.ts";
import {
  applyRetention,
  DEFAULT_RETENTION_POLICY,
  type RetentionPolicy,
  type RetentionResult,
} from "../../pipeline/retention.ts";
import { intOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const usage =
  "mimamori retention [--dry-run] [--keep N] [--months M|none] [--with-runs] [--save] [--json]\n" +
  "       mimamori retention --cases [--closed-years N] [--until-age A|none] [--save] [--dry-run] [--json]\n" +
  "       mimamori retention --persons [--years N] [--save] [--dry-run] [--json]";

const n = (x: number) => x.toLocaleString("ja-JP");

function describePolicy(p: RetentionPolicy): string {
  const age = p.keepMonths === null ? "" : `と、抽出日が ${p.keepMonths} か月以内のもの`;
  return `取り込み元ごとに新しい順に ${p.keepSnapshots} 件${age}を残します（実行に使う最新の取り込みは常に残します）。`;
}

/** The report of a retention run, in Japanese. */
export function formatRetentionReport(r: RetentionResult, policySource: string): string {
  const lines: string[] = [];
  lines.push(`保存期間の方針（${policySource}）: ${describePolicy(r.policy)}`);
  if (r.cutoff !== null)
    lines.push(
      `基準日 ${r.today}: 抽出日が ${r.cutoff} より前で、新しい ${r.policy.keepSnapshots} 件にも入らない取り込みが対象です。`,
    );
  const rows = r.deleted.reduce((a, s) => a + s.rows, 0);
  lines.push(
    `${r.dryRun ? "削除の対象" : "削除した取り込み"}: ${n(r.deleted.length)} 件（${n(rows)} 行） / 全 ${n(r.total)} 件`,
  );
  for (const s of r.deleted) {
    lines.push(
      `  #${s.id} ${s.sourceId} 第${s.version}版 抽出日 ${s.asOf ?? "なし"} ${s.fileName}（${n(s.rows)} 行）`,
    );
  }
  if (r.linkRunIds.length > 0 || r.scoreRunIds.length > 0) {
    lines.push(
      `${r.dryRun ? "一緒に削除する実行結果" : "一緒に削除した実行結果"}: 名寄せ ${r.linkRunIds.map((x) => `#${x}`).join("、") || "なし"}／採点 ${r.scoreRunIds.map((x) => `#${x}`).join("、") || "なし"}`,
    );
  }
  const forRuns = r.kept.filter((k) => k.reason.kind === "runs");
  if (forRuns.length > 0) {
    lines.push(
      `保存期間を過ぎていますが、保存されている実行結果が使っているため残す取り込み: ${n(forRuns.length)} 件`,
    );
    for (const k of forRuns) {
      if (k.reason.kind !== "runs") continue;
      const runs = [
        ...k.reason.linkRunIds.map((x) => `名寄せ #${x}`),
        ...k.reason.scoreRunIds.map((x) => `採点 #${x}`),
      ].join("、");
      lines.push(
        `  #${k.snapshot.id} ${k.snapshot.sourceId} 第${k.snapshot.version}版 抽出日 ${k.snapshot.asOf ?? "なし"}（${runs}）`,
      );
    }
    lines.push(
      "  実行結果ごと削除するには --with-runs を付けてください（最新の名寄せ結果と、その採点結果は残します）。",
    );
  }
  const superseding = r.kept.filter((k) => k.reason.kind === "supersedes_kept");
  if (superseding.length > 0) {
    lines.push(
      `残す取り込みを差し替えた取り込みも残します: ${superseding.map((k) => `#${k.snapshot.id}`).join("、")}`,
    );
  }
  if (r.dryRun) lines.push("（--dry-run のため、何も削除していません。）");
  else if (r.deleted.length === 0 && r.linkRunIds.length === 0 && r.scoreRunIds.length === 0)
    lines.push("削除するものはありませんでした。");
  else
    lines.push(`削除した行: 取り込みの行 ${n(r.importRowsDeleted)} 行。監査ログに記録しました。`);
  return lines.join("\n");
}

/** Today in Japan (snapshots' 抽出日 are Japanese dates). */
function todayInJapan(): IsoDate {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10) as IsoDate;
}

export const retentionCommand: Command = {
  path: ["retention"],
  summary: "保存期間を過ぎた古い取り込みデータを削除します（--dry-run で削除せずに対象だけ表示）。",
  usage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      {
        "dry-run": { type: "boolean" },
        keep: { type: "string" },
        months: { type: "string" },
        "with-runs": { type: "boolean" },
        save: { type: "boolean" },
        json: { type: "boolean" },
        cases: { type: "boolean" },
        "closed-years": { type: "string" },
        "until-age": { type: "string" },
        persons: { type: "boolean" },
        years: { type: "string" },
      },
      usage,
    );
    if (values.cases) return runCaseRetention(values, globals);
    if (values.persons) return runPersonRetention(values, globals);
    const keep = intOption(values.keep, "--keep", 1, 10_000);
    const months = values.months === "none" ? null : intOption(values.months, "--months", 0, 1200);
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
      const repo = createRetentionRepository(opened.db);
      const settings = createRetentionSettingRepository(opened.db);
      const stored = (await settings.get(municipalityId)).snapshots;
      const base = stored ?? DEFAULT_RETENTION_POLICY;
      const policy: RetentionPolicy = {
        keepSnapshots: keep ?? base.keepSnapshots,
        keepMonths: months === undefined ? base.keepMonths : months,
      };
      const given = keep !== undefined || months !== undefined;
      let policySource = given ? "今回の指定" : stored ? "この自治体の設定" : "既定";
      if (values.save) {
        if (!given) {
          throw new MimamoriError(
            "invalid_input",
            "--save には保存する方針（--keep か --months）を指定してください。",
            [`使い方: ${usage}`],
          );
        }
        await settings.save(municipalityId, { snapshots: policy }, "cli");
        await createAuditRepository(opened.db).append({
          municipalityId,
          actorUserId: null,
          actor: "cli",
          action: "retention.policy",
          target: null,
          detail: { ...policy },
        });
        policySource = "今回保存した設定";
      }
      const result = await applyRetention(opened.db, {
        municipalityId,
        policy,
        today: todayInJapan(),
        withRuns: values["with-runs"] ?? false,
        dryRun: values["dry-run"] ?? false,
        actor: { userId: null, loginName: "cli" },
      });
      if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${formatRetentionReport(result, policySource)}\n`);
      return 0;
    } finally {
      await opened.close();
    }
  },
};

/**
 * `retention --cases`: closed cases past their retention (years after closing
 * and the child's 18th birthday, pipeline/case-retention.ts) are deleted with
 * their trail; counts only are reported and logged.
 */
async function runCaseRetention(
  values: {
    "dry-run"?: boolean;
    json?: boolean;
    save?: boolean;
    "closed-years"?: string;
    "until-age"?: string;
  },
  globals: Parameters<Command["run"]>[1],
): Promise<number> {
  const years = intOption(values["closed-years"], "--closed-years", 0, 100);
  const untilAge =
    values["until-age"] === "none" ? null : intOption(values["until-age"], "--until-age", 0, 30);
  const given = years !== undefined || untilAge !== undefined;
  if (values.save && !given) {
    throw new MimamoriError(
      "invalid_input",
      "--save には保存する設定（--closed-years か --until-age）を指定してください。",
      [`使い方: ${usage}`],
    );
  }
  const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
  try {
    const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
    // Options given now, else the municipality's stored setting (migration 0084), else the default.
    const settings = createRetentionSettingRepository(opened.db);
    const base = (await settings.get(municipalityId)).cases ?? DEFAULT_CASE_RETENTION;
    const policy: CaseRetentionPolicy = {
      closedYears: years ?? base.closedYears,
      untilAge: untilAge === undefined ? base.untilAge : untilAge,
    };
    if (values.save) {
      await settings.save(municipalityId, { cases: policy }, "cli");
      await createAuditRepository(opened.db).append({
        municipalityId,
        actorUserId: null,
        actor: "cli",
        action: "retention.case_policy",
        target: `municipality:${municipalityId}`,
        detail: { ...policy },
      });
    }
    const r = await purgeCases(opened.db, {
      municipalityId,
      policy,
      today: todayInJapan(),
      dryRun: values["dry-run"] ?? false,
      actor: { userId: null, loginName: "cli" },
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    const age = policy.untilAge === null ? "" : `、かつこどもが ${policy.untilAge} 歳に達した`;
    const lines = [
      `終結ケースの保存期間: 終結から ${policy.closedYears} 年${age}後に削除します（基準日 ${r.today}）。`,
      `${r.dryRun ? "削除の対象" : "削除した終結ケース"}: ${n(r.purgedCases)} 件 / 終結ケース ${n(r.closedCases)} 件`,
      ...Object.entries(r.counts).map(([table, count]) => `  ${table}: ${n(count)} 行`),
      r.dryRun
        ? "（--dry-run のため、何も削除していません。）"
        : r.purgedCases === 0
          ? "削除するものはありませんでした。"
          : "削除した件数（内容は記録しません）を削除の記録と監査ログに残しました。",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    await opened.close();
  }
}

/**
 * `retention --persons`: the raw rows of persons past their retention (years
 * after the 18th birthday or after leaving, pipeline/person-retention.ts)
 * lose their content; counts only are reported and logged.
 */
async function runPersonRetention(
  values: { "dry-run"?: boolean; json?: boolean; save?: boolean; years?: string },
  globals: Parameters<Command["run"]>[1],
): Promise<number> {
  const years = intOption(values.years, "--years", 0, 100);
  if (values.save && years === undefined) {
    throw new MimamoriError(
      "invalid_input",
      "--save には保存する年数（--years）を指定してください。",
      [`使い方: ${usage}`],
    );
  }
  const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
  try {
    const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
    // Option given now, else the municipality's stored setting (migration 0085), else the default.
    const settings = createRetentionSettingRepository(opened.db);
    const stored = (await settings.get(municipalityId)).persons;
    const policy = { years: years ?? stored?.years ?? DEFAULT_PERSON_RETENTION.years };
    let source = years !== undefined ? "今回の指定" : stored ? "この自治体の設定" : "既定";
    if (values.save) {
      await settings.save(municipalityId, { persons: policy }, "cli");
      await createAuditRepository(opened.db).append({
        municipalityId,
        actorUserId: null,
        actor: "cli",
        action: "retention.person_policy",
        target: `municipality:${municipalityId}`,
        detail: { ...policy },
      });
      source = "今回保存した設定";
    }
    const r = await purgePersons(opened.db, {
      municipalityId,
      policy,
      today: todayInJapan(),
      dryRun: values["dry-run"] ?? false,
      actor: { userId: null, loginName: "cli" },
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    const total = Object.values(r.rows).reduce((a, x) => a + x, 0);
    const lines = [
      `個人の取込行の保存期間（${source}）: 18 歳の誕生日、または転出・消除の日から ${policy.years} 年後に内容を削除します（基準日 ${r.today}）。`,
      r.linkRunId === null
        ? "公開済みの名寄せ結果がないため、対象はありません。"
        : `対象の判定に使った名寄せ結果: #${r.linkRunId}（内容の残る行がある人 ${n(r.persons)} 人）`,
      `${r.dryRun ? "削除の対象" : "行の内容を削除した人"}: ${n(r.purgedPersons)} 人（18 歳から ${n(r.byReason.adult)} 人、転出・消除から ${n(r.byReason.left)} 人）、${n(total)} 行`,
      ...Object.entries(r.rows).map(([source, count]) => `  ${source}: ${n(count)} 行`),
      `期間を過ぎていますが残す人: 終結していないケース ${n(r.keptOpenCase)} 人、利用停止中 ${n(r.keptUsageStop)} 人`,
      r.dryRun
        ? "（--dry-run のため、何も削除していません。）"
        : r.purgedPersons === 0
          ? "削除するものはありませんでした。"
          : "削除した件数（内容と個人は記録しません）を削除の記録と監査ログに残しました。",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    await opened.close();
  }
}
