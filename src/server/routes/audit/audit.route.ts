import type { Context } from "hono";
import {
  type AuditRecord,
  createAuditRepository,
  type PersonReportHow,
  type PersonReportMode,
} from "../../../db/audit.repository.ts";
import type { Database } from "../../../db/database.ts";
import { createRightsRepository } from "../../../db/rights.repository.ts";
import { createUserRepository } from "../../../db/user.repository.ts";
import { AUDIT_ACTIONS, auditActionName } from "../../../domain/audit/actions.ts";
import {
  splitTarget,
  type TargetFacts,
  targetIds,
  targetLabel,
} from "../../../domain/audit/targets.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { findLayout } from "../../../domain/layouts.ts";
import { loadSources } from "../../../pipeline/sources.ts";
import type { AppEnv } from "../../app-env.ts";
import { csvDocument, csvDownload, csvResponses, exportPurposeBody } from "../../openapi/csv.ts";
import { maskingOf } from "../../openapi/identity.ts";
import { requireReauth } from "../../openapi/reauth.ts";
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  jsonBody,
  policyRoute,
} from "../../openapi/route.ts";
import {
  auditDetailSchema,
  auditIdParam,
  auditPageSchema,
  auditQuery,
  MAX_REPORT_EXPORT,
  personReportParam,
  personReportQuery,
  reportPageSchema,
  userReportParam,
  userReportQuery,
} from "./schema.ts";

/** Midnight of a date in Japan (the municipality's day). */
const jstMidnight = (date: string, plusDays = 0) =>
  new Date(Date.parse(`${date}T00:00:00+09:00`) + plusDays * 86_400_000);

type Row = Awaited<ReturnType<ReturnType<typeof createAuditRepository>["list"]>>[number];

const item = (r: Row, labels: Labels) => {
  const person = r.personId ?? personOfTarget(r.target);
  return {
    id: r.id,
    at: r.at.toISOString(),
    actorUserId: r.actorUserId,
    actor: r.actor,
    action: r.action,
    actionName: auditActionName(r.action),
    target: r.target,
    targetLabel: targetLabel(
      r.target ?? (r.personId ? `person:${r.personId}` : null),
      labels.facts,
    ),
    personId: r.personId,
    // Masked by the route's masking step (schema: identity("name")).
    personName: person ? (labels.names.get(person) ?? null) : null,
    clientAddress: r.clientAddress,
    purpose: r.purpose,
  };
};

const personOfTarget = (target: string | null) => {
  if (!target) return null;
  const { kind, id } = splitTarget(target);
  return kind === "person" ? id : null;
};

interface Labels {
  facts: TargetFacts;
  /** person id → name as stored (masked on the way out); none when the viewer sees no name. */
  names: ReadonlyMap<string, string>;
}

/**
 * What the audit views need to say what each row concerns in Japanese
 * (domain/audit/targets.ts): source names, run dates, rule labels, user
 * names, and the children's names when the viewer's masking shows any part
 * of a name (a viewer whose rules hide names gets none, not even from the
 * database). A child under 利用停止 is never named.
 */
async function labelsFor(
  c: Context<AppEnv>,
  rows: readonly Row[],
  options: { names: boolean } = { names: true },
): Promise<Labels> {
  const actor = actorOf(c);
  const db = c.get("deps").db;
  const m = actor.municipalityId;
  const ids = targetIds(rows.map((r) => r.target));
  const persons = [...new Set(rows.flatMap((r) => r.personId ?? personOfTarget(r.target) ?? []))];
  const { forms } = await maskingOf(c);
  const showNames = options.names && forms.name !== "hidden" && persons.length > 0;
  const audit = createAuditRepository(db);
  const [facts, users, sources, names, stopped] = await Promise.all([
    audit.targetFacts(m, {
      ruleVersions: [...ids.ruleVersions],
      scoreRuns: [...ids.scoreRuns],
      linkRuns: [...ids.linkRuns],
      imports: [...ids.imports],
    }),
    ids.users.size > 0 ? createUserRepository(db).list(m) : [],
    ids.sources.size > 0 || ids.imports.size > 0 ? loadSources(db, m) : undefined,
    showNames ? audit.personNames(m, persons) : new Map<string, string>(),
    showNames ? createRightsRepository(db).stoppedKeys(m) : undefined,
  ]);
  const sourceNames = new Map<string, string>();
  if (sources) {
    const wanted = new Set([...ids.sources, ...[...facts.imports.values()].map((i) => i.sourceId)]);
    for (const id of wanted) {
      const layout = findLayout(id, sources);
      if (layout) sourceNames.set(id, layout.name);
    }
  }
  for (const id of stopped?.personIds ?? []) names.delete(id);
  return {
    facts: {
      ...facts,
      users: new Map(users.map((u) => [u.id, u])),
      sources: sourceNames,
    },
    names,
  };
}

type ReportSubject =
  | { kind: "person"; personId: string; mode: PersonReportMode }
  | { kind: "user"; userId: number };

interface ReportRange {
  limit: number;
  before?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/*
 * Reading or exporting a report is audited with the subject in `target`
 * (person:… / user:…) and without `person_id`: looking at who viewed a child
 * is not a view of the child, and must not appear in the child's own report.
 */

/** One page of a per-person or per-user report (council filter in the repository's SQL). */
type ReportRow = AuditRecord & { how: PersonReportHow | "own" };

async function reportPage(
  db: Database,
  municipalityId: number,
  subject: ReportSubject,
  q: ReportRange,
): Promise<ReportRow[]> {
  const audit = createAuditRepository(db);
  const range = {
    municipalityId,
    limit: q.limit,
    beforeId: q.before,
    since: q.from ? jstMidnight(q.from) : undefined,
    until: q.to ? jstMidnight(q.to, 1) : undefined,
  };
  if (subject.kind === "person")
    return audit.personReport({ ...range, personId: subject.personId, mode: subject.mode });
  const rows = await audit.list({ ...range, actorUserId: subject.userId });
  return rows.map((r) => ({ ...r, how: "own" as const }));
}

/** The subject's label: the user's login name (404 for a user of another municipality). */
async function subjectOf(
  db: Database,
  municipalityId: number,
  subject: ReportSubject,
): Promise<{ kind: "person" | "user"; id: string; label: string | null }> {
  if (subject.kind === "person") return { kind: "person", id: subject.personId, label: null };
  const user = (await createUserRepository(db).list(municipalityId)).find(
    (u) => u.id === subject.userId,
  );
  if (!user)
    throw new MimamoriError(
      "not_found",
      "指定された利用者はいません。利用者の一覧から選び直してください。",
    );
  return { kind: "user", id: String(user.id), label: user.loginName };
}

async function reportJson(c: Context<AppEnv>, subject: ReportSubject, q: ReportRange) {
  const actor = actorOf(c);
  const db = c.get("deps").db;
  const who = await subjectOf(db, actor.municipalityId, subject);
  const rows = await reportPage(db, actor.municipalityId, subject, { ...q, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const labels = await labelsFor(c, page);
  await createAuditRepository(db).append({
    municipalityId: actor.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "audit.report_view",
    target: `${who.kind}:${who.id}`,
    clientAddress: clientAddress(c),
    detail: {
      count: page.length,
      mode: subject.kind === "person" ? subject.mode : null,
      from: q.from ?? null,
      to: q.to ?? null,
      before: q.before ?? null,
    },
  });
  return {
    subject: who,
    items: page.map((r) => ({ ...item(r, labels), how: r.how })),
    nextBefore: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

const HOW_NAMES = {
  direct: "直接の閲覧",
  listed: "一覧などに表示",
  exported: "出力したファイルに含まれる",
  own: "本人の操作",
} as const;

/** The report as CSV (UTF-8 with BOM, formula-safe cells); the purpose is audited. */
async function reportCsv(
  c: Context<AppEnv>,
  subject: ReportSubject,
  q: Omit<ReportRange, "limit" | "before">,
  purpose: string,
): Promise<Response> {
  const actor = actorOf(c);
  await requireReauth(c, "audit.read");
  const db = c.get("deps").db;
  const who = await subjectOf(db, actor.municipalityId, subject);
  const rows: ReportRow[] = [];
  let before: string | undefined;
  while (rows.length < MAX_REPORT_EXPORT) {
    const page = await reportPage(db, actor.municipalityId, subject, {
      ...q,
      before,
      limit: Math.min(1000, MAX_REPORT_EXPORT - rows.length),
    });
    rows.push(...page);
    if (page.length < 1000) break;
    before = page.at(-1)?.id;
  }
  // Labels without children's names (a CSV leaves the masking step of the JSON answers).
  const facts = (await labelsFor(c, rows, { names: false })).facts;
  await createAuditRepository(db).append({
    municipalityId: actor.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "audit.report",
    target: `${who.kind}:${who.id}`,
    purpose,
    clientAddress: clientAddress(c),
    detail: {
      rows: rows.length,
      mode: subject.kind === "person" ? subject.mode : null,
      from: q.from ?? null,
      to: q.to ?? null,
    },
  });
  const header = [
    "記録番号",
    "日時",
    "利用者",
    "操作",
    "操作名",
    "区分",
    "対象",
    "こどもID",
    "接続元",
    "目的",
  ];
  const lines = rows.map((r) => [
    r.id,
    r.at.toISOString(),
    r.actor,
    r.action,
    auditActionName(r.action),
    HOW_NAMES[r.how],
    targetLabel(r.target, facts),
    r.personId,
    r.clientAddress,
    r.purpose,
  ]);
  return csvDownload(csvDocument(header, lines), `audit-${who.kind}-${who.id}.csv`);
}

export const auditRoutes = createRouter()
  .openapi(
    policyRoute("audit.read", {
      method: "get",
      path: "/reports/persons/{personId}",
      tags: ["監査"],
      summary: "人ごとの監査レポート（このこどもをだれが見たか）",
      description:
        "direct は本人の詳細・世帯・ケース・開示など直接の閲覧、listed は一覧・検索・議題・候補リストに表示されただけの記録（監査ログの detail.persons、GIN 索引）、exported は CSV などの出力に含まれた記録（audit_disclosure、GIN 索引）。mode=listed は listed と exported を返します。要対協構成員でない利用者には要対協の記録を含めません。閲覧は監査ログに記録されます。",
      request: { params: personReportParam, query: personReportQuery },
      responses: { 200: json(reportPageSchema) },
    }),
    async (c) => {
      const { personId } = c.req.valid("param");
      const q = c.req.valid("query");
      return c.json(await reportJson(c, { kind: "person", personId, mode: q.mode }, q), 200);
    },
  )
  .openapi(
    policyRoute("audit.read", {
      method: "post",
      path: "/reports/persons/{personId}/export",
      tags: ["監査"],
      summary: "人ごとの監査レポートの CSV 出力（目的の入力と本人確認が必要）",
      description: `新しい順に最大 ${MAX_REPORT_EXPORT} 件。目的は監査ログに記録されます。数式として解釈される文字で始まるセルには ' を付けます。`,
      request: {
        params: personReportParam,
        query: personReportQuery,
        body: jsonBody(exportPurposeBody),
      },
      responses: csvResponses,
    }),
    async (c) => {
      const { personId } = c.req.valid("param");
      const q = c.req.valid("query");
      const { purpose } = c.req.valid("json");
      return reportCsv(c, { kind: "person", personId, mode: q.mode }, q, purpose);
    },
  )
  .openapi(
    policyRoute("audit.read", {
      method: "get",
      path: "/reports/users/{userId}",
      tags: ["監査"],
      summary: "利用者ごとの監査レポート（この利用者が何をしたか、期間で絞り込み）",
      description:
        "要対協構成員でない利用者には要対協の記録を含めません。閲覧は監査ログに記録されます。",
      request: { params: userReportParam, query: userReportQuery },
      responses: { 200: json(reportPageSchema) },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      return c.json(await reportJson(c, { kind: "user", userId }, c.req.valid("query")), 200);
    },
  )
  .openapi(
    policyRoute("audit.read", {
      method: "post",
      path: "/reports/users/{userId}/export",
      tags: ["監査"],
      summary: "利用者ごとの監査レポートの CSV 出力（目的の入力と本人確認が必要）",
      description: `新しい順に最大 ${MAX_REPORT_EXPORT} 件。目的は監査ログに記録されます。`,
      request: {
        params: userReportParam,
        query: userReportQuery,
        body: jsonBody(exportPurposeBody),
      },
      responses: csvResponses,
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { purpose } = c.req.valid("json");
      return reportCsv(c, { kind: "user", userId }, c.req.valid("query"), purpose);
    },
  )
  .openapi(
    policyRoute("audit.read", {
      method: "get",
      path: "/",
      tags: ["監査"],
      summary: "監査ログ（新しい順、利用者・操作・こども・期間で絞り込み、キーセットページング）",
      request: { query: auditQuery },
      responses: { 200: json(auditPageSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const q = c.req.valid("query");
      const db = c.get("deps").db;
      const audit = createAuditRepository(db);
      const [rows, chain, users] = await Promise.all([
        // One more than the page: whether an older page exists.
        audit.list({
          municipalityId: actor.municipalityId,
          limit: q.limit + 1,
          beforeId: q.before,
          action: q.action,
          actorUserId: q.user,
          personId: q.person,
          since: q.from ? jstMidnight(q.from) : undefined,
          until: q.to ? jstMidnight(q.to, 1) : undefined,
        }),
        audit.verifyChain(),
        createUserRepository(db).list(actor.municipalityId),
      ]);
      const page = rows.slice(0, q.limit);
      const labels = await labelsFor(c, page);
      // Reading the audit log is itself an audited view (with its filters).
      await audit.append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "audit.view",
        clientAddress: clientAddress(c),
        detail: {
          count: page.length,
          filter: {
            action: q.action ?? null,
            user: q.user ?? null,
            person: q.person ?? null,
            from: q.from ?? null,
            to: q.to ?? null,
            before: q.before ?? null,
          },
        },
      });
      return c.json(
        {
          items: page.map((r) => item(r, labels)),
          nextBefore: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null,
          chain: {
            ok: chain.ok,
            rows: chain.rows,
            firstBadId: chain.firstBadId,
            problem: chain.problem,
          },
          actions: [...AUDIT_ACTIONS],
          users: users.map((u) => ({
            id: u.id,
            loginName: u.loginName,
            displayName: u.displayName,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("audit.read", {
      method: "get",
      path: "/{id}",
      tags: ["監査"],
      summary: "監査ログの 1 件（詳細を含む）",
      request: { params: auditIdParam },
      responses: { 200: json(auditDetailSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { id } = c.req.valid("param");
      const audit = createAuditRepository(c.get("deps").db);
      const row = await audit.find(actor.municipalityId, id);
      if (!row) {
        throw new MimamoriError(
          "not_found",
          "指定された記録はありません。一覧から開き直してください。",
        );
      }
      await audit.append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "audit.view",
        target: `audit:${id}`,
        clientAddress: clientAddress(c),
        detail: { count: 1 },
      });
      return c.json({ ...item(row, await labelsFor(c, [row])), detail: row.detail }, 200);
    },
  );
