import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createAccountRepository } from "../../db/account.repository.ts";
import {
  type AuditRecord,
  createAuditRepository,
  type PersonReportHow,
} from "../../db/audit.repository.ts";
import { openDatabase } from "../../db/database.ts";
import { MimamoriError } from "../../domain/errors.ts";
import {
  defaultCheckpointFile,
  formatAuditVerifyReport,
  verifyAudit,
  writeAuditCheckpoint,
} from "../../pipeline/audit-verify.ts";
import { intOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const verifyUsage = "mimamori audit verify [--checkpoints FILE] [--incremental] [--json]";

/**
 * `audit verify`: exit 0 when the chain is intact and matches every external
 * checkpoint, 1 otherwise (with the first broken entry). A full recomputation
 * by default — an edit behind the newest checkpoint is only found that way;
 * `--incremental` checks from the newest verified checkpoint (what the audit
 * page and the server's periodic check do).
 */
export const auditVerify: Command = {
  path: ["audit", "verify"],
  summary:
    "監査ログのハッシュ連鎖と、データベースの外に記録したチェックポイントを照合します（異常があれば終了コード 1）。",
  usage: verifyUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      {
        checkpoints: { type: "string" },
        incremental: { type: "boolean" },
        json: { type: "boolean" },
      },
      verifyUsage,
    );
    // Without --checkpoints, the file the server writes under --home is used when present.
    const fallback = defaultCheckpointFile(globals.home);
    const checkpointsFile = values.checkpoints
      ? resolve(values.checkpoints)
      : existsSync(fallback)
        ? fallback
        : undefined;
    if (values.checkpoints && !existsSync(checkpointsFile as string)) {
      throw new MimamoriError(
        "invalid_input",
        `チェックポイントのファイル「${values.checkpoints}」がありません。パスを確認してください。`,
      );
    }
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const report = await verifyAudit(opened.db, {
        full: !values.incremental,
        checkpointsFile,
      });
      if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const lines = formatAuditVerifyReport(report);
        (report.ok ? process.stdout : process.stderr).write(`${lines.join("\n")}\n`);
      }
      return report.ok ? 0 : 1;
    } finally {
      await opened.close();
    }
  },
};

const checkpointUsage = "mimamori audit checkpoint [--checkpoints FILE]";

/** `audit checkpoint`: verifies incrementally and appends the tail `{id, hash, at}` to the file. */
export const auditCheckpoint: Command = {
  path: ["audit", "checkpoint"],
  summary:
    "監査ログを確認し、最新の記録の番号とハッシュをチェックポイントのファイルに追記します（ファイルはデータベースとは別の場所に保管してください）。",
  usage: checkpointUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(args, { checkpoints: { type: "string" } }, checkpointUsage);
    const file = values.checkpoints
      ? resolve(values.checkpoints)
      : defaultCheckpointFile(globals.home);
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const { report, written } = await writeAuditCheckpoint(opened.db, {
        checkpointsFile: file,
        now: new Date(),
      });
      if (!report.ok) {
        process.stderr.write(`${formatAuditVerifyReport(report).join("\n")}\n`);
        process.stderr.write("異常があるため、チェックポイントは書きませんでした。\n");
        return 1;
      }
      process.stdout.write(
        written
          ? `チェックポイントを追記しました: #${written.id}（${file}）\n`
          : `新しい記録がないため、追記しませんでした（${file}）。\n`,
      );
      return 0;
    } finally {
      await opened.close();
    }
  },
};

const reportUsage =
  "mimamori audit report --person ID | --user LOGIN [--since DATE] [--until DATE] [--limit N] [--json]";

/**
 * `audit report`: who looked at this child (`--person`), or what one user did
 * (`--user`), newest first. Reading the report is itself audited.
 */
export const auditReport: Command = {
  path: ["audit", "report"],
  summary:
    "監査ログの報告: ある人（こども）の情報を誰がいつ見たか（--person）、ある利用者が何をしたか（--user）。",
  usage: reportUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      {
        person: { type: "string" },
        user: { type: "string" },
        since: { type: "string" },
        until: { type: "string" },
        limit: { type: "string" },
        json: { type: "boolean" },
      },
      reportUsage,
    );
    if (Boolean(values.person) === Boolean(values.user)) {
      throw new MimamoriError(
        "invalid_input",
        "--person（人の ID）か --user（ログイン名）のどちらか一方を指定してください。",
        [`使い方: ${reportUsage}`],
      );
    }
    const since = dateOption(values.since, "--since");
    const until = dateOption(values.until, "--until", 1);
    const limit = intOption(values.limit, "--limit", 1, 100_000) ?? 1000;
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
      const audit = createAuditRepository(opened.db);
      let actorUserId: number | undefined;
      if (values.user) {
        const account = (await createAccountRepository(opened.db).inventory(municipalityId)).find(
          (a) => a.loginName === values.user,
        );
        if (!account) {
          throw new MimamoriError(
            "not_found",
            `ログイン名「${values.user}」の利用者はいません。mimamori user list で確認してください。`,
          );
        }
        actorUserId = account.id;
      }
      // A person's report is the app's (direct views, lists and exports that
      // held the person, audit_disclosure included); a user's, their own rows.
      const rows: (AuditRecord & { how?: PersonReportHow })[] = values.person
        ? await audit.personReport({
            municipalityId,
            personId: values.person,
            mode: "all",
            limit,
            since,
            until,
          })
        : await audit.list({ municipalityId, limit, actorUserId, since, until });
      // Like the app's reports: the subject in target, no person_id (reading who
      // looked at a child is not a view of the child).
      await audit.append({
        municipalityId,
        actorUserId: null,
        actor: "cli",
        action: "audit.report",
        target: values.person ? `person:${values.person}` : `user:${actorUserId}`,
        detail: { count: rows.length },
      });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else {
        process.stdout.write(
          `${values.person ? `人 ${values.person} に関する記録` : `利用者 ${values.user} の操作`}: ${rows.length} 件（新しい順${rows.length === limit ? `、最大 ${limit} 件` : ""}）\n`,
        );
        for (const r of rows) process.stdout.write(`${formatAuditLine(r)}\n`);
      }
      return 0;
    } finally {
      await opened.close();
    }
  },
};

/** One audit row as a line: when, who, what, to what, from where, why (and how, in a person's report). */
export function formatAuditLine(r: AuditRecord & { how?: PersonReportHow }): string {
  const parts = [r.at.toISOString(), `#${r.id}`, r.actor, r.action];
  if (r.target) parts.push(r.target);
  if (r.personId) parts.push(`person=${r.personId}`);
  if (r.clientAddress) parts.push(`from=${r.clientAddress}`);
  if (r.purpose) parts.push(`purpose=${JSON.stringify(r.purpose)}`);
  if (r.how) parts.push(`how=${r.how}`);
  return parts.join("\t");
}

function dateOption(value: string | undefined, name: string, addDays = 0): Date | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new MimamoriError("invalid_input", `${name} は YYYY-MM-DD の形で指定してください。`);
  }
  // Dates are Japanese calendar days: 00:00 JST.
  const d = new Date(`${value}T00:00:00+09:00`);
  return new Date(d.getTime() + addDays * 86_400_000);
}

export const auditCommands: readonly Command[] = [auditVerify, auditCheckpoint, auditReport];
