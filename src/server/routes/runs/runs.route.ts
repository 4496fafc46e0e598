/**
 * Run views (issue 11): the dashboard (counts only, `runs.view`), 判定一覧 and
 * ルール詳細 (`children.list`), the list's CSV export (`children.export`, with
 * a purpose). Every list view and export is audited with its filter (never
 * names); 要対協 items and facts are removed for non-members in SQL
 * (db/run-view.repository.ts, docs/security.md).
 */

import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createCaseRepository } from "../../../db/case.repository.ts";
import {
  createRunViewRepository,
  MAX_MATRIX_ROWS,
  type RunForView,
} from "../../../db/run-view.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { maskValue } from "../../../domain/policy/masking.ts";
import { DIFFICULTY_NAMES, isDifficultyId } from "../../../domain/scoring/difficulties.ts";
import { loadSources } from "../../../pipeline/sources.ts";
import {
  CSV_BOM,
  csvDownload,
  csvLine,
  csvResponses,
  exportPurposeBody,
} from "../../openapi/csv.ts";
import { maskingOf } from "../../openapi/identity.ts";
import { requireReauth } from "../../openapi/reauth.ts";
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  jsonBody,
  policyRoute,
  scopeOfRequest,
} from "../../openapi/route.ts";
import {
  buildFilter,
  DEFAULT_FRESHNESS_MONTHS,
  ensureChildIndex,
  FRESHNESS_SETTING,
  findRun,
  type LoadedRun,
  reasonName,
  reasonNames,
  runInfo,
  usageStopped,
  visibleItems,
  withUsageStops,
} from "../../services/run-view.service.ts";
import {
  dashboardResponse,
  listFilterQuery,
  listQuery,
  listResponse,
  matrixResponse,
  runParam,
  runsResponse,
} from "./schema.ts";

const tags = ["判定結果"];
const EXPORT_PAGE = 2_000;
const TREND_RUNS = 11;

const METHOD_LABELS: Record<string, string> = {
  id: "宛名番号で一致",
  probabilistic: "氏名・生年月日等で照合",
  manual: "手動で確認",
  unlinked: "連携なし",
};

function noRun(): never {
  throw new MimamoriError(
    "not_found",
    "判定の結果がありません。データを取り込んだ後に月次実行（mimamori run）で判定してください。",
  );
}

/** Subtracts months from an ISO date (the freshness limit). */
function monthsBefore(d: Date, months: number): string {
  const x = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, d.getUTCDate()));
  return x.toISOString().slice(0, 10);
}

export const runRoutes = createRouter()
  .openapi(
    policyRoute("runs.view", {
      method: "get",
      path: "/",
      tags,
      summary: "判定実行の一覧（新しい順、最大 24 件）",
      responses: { 200: json(runsResponse) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const db = c.get("deps").db;
      const latest = await findRun(db, actor.municipalityId, "latest");
      if (!latest) return c.json([], 200);
      const prev = await createRunViewRepository(db).previousRuns(
        actor.municipalityId,
        latest.id,
        23,
      );
      return c.json([{ id: latest.id, asOf: latest.asOf }, ...prev], 200);
    },
  )
  .openapi(
    policyRoute("runs.view", {
      method: "get",
      path: "/{runId}/dashboard",
      tags,
      summary: "ダッシュボード（件数のみ）",
      description:
        "類型ごとの基準以上の人数、過去の実行の推移、基準値と確認できる件数、確認の流れ、データの鮮度、名寄せの要約。要対協構成員でない利用者には B01・B02 を除いて数え直した件数を返し、要対協・一時保護のデータは含めません。",
      request: { params: runParam },
      responses: { 200: json(dashboardResponse) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const { runId } = c.req.valid("param");
      const deps = c.get("deps");
      const db = deps.db;
      const repo = createRunViewRepository(db);
      const limitSetting = await repo.setting(actor.municipalityId, FRESHNESS_SETTING);
      const limitMonths =
        typeof limitSetting === "number" && limitSetting > 0
          ? limitSetting
          : DEFAULT_FRESHNESS_MONTHS;
      const run = await findRun(db, actor.municipalityId, runId);
      if (!run) {
        if (runId !== "latest") noRun();
        return c.json(
          {
            run: null,
            types: [],
            capacity: null,
            trend: [],
            funnel: [],
            freshness: { limitMonths, sources: [] },
            linkage: null,
          },
          200,
        );
      }
      // 利用停止 at once (as 判定一覧): the stopped persons of each run's link run are not counted.
      const stoppedOf = (r: RunForView) => usageStopped(db, actor.municipalityId, r);
      const counts = await repo.typeCounts(scope, run, await stoppedOf(run));
      const types = run.difficulties.map((d, t) => {
        const rule = run.rules.types.find((x) => x.difficulty === d);
        const n = counts.find((x) => x.typeIndex === t);
        return {
          id: d,
          name: isDifficultyId(d) ? DIFFICULTY_NAMES[d] : d,
          children: n?.children ?? 0,
          flagged: n?.flagged ?? 0,
          listed: n?.listed ?? 0,
          threshold: rule?.threshold ?? 0,
          method: rule?.method ?? "weighted",
        };
      });
      const trend: { runId: number; asOf: string; flagged: Record<string, number> }[] = [];
      const previous = await repo.previousRuns(actor.municipalityId, run.id, TREND_RUNS);
      for (const p of previous.reverse()) {
        const pr = (await findRun(db, actor.municipalityId, String(p.id))) as LoadedRun;
        const pc = await repo.typeCounts(scope, pr, await stoppedOf(pr));
        trend.push({
          runId: pr.id,
          asOf: pr.asOf,
          flagged: Object.fromEntries(
            pc.map((x) => [pr.difficulties[x.typeIndex] as string, x.flagged]),
          ),
        });
      }
      trend.push({
        runId: run.id,
        asOf: run.asOf,
        flagged: Object.fromEntries(types.map((x) => [x.id, x.flagged])),
      });
      const sources = await loadSources(db, actor.municipalityId);
      const cutoff = monthsBefore(deps.now(), limitMonths);
      const fresh = (await repo.freshness(scope, run.snapshotIds)).map((s) => ({
        sourceId: s.sourceId,
        sourceName: sources.find(s.sourceId)?.name ?? s.sourceId,
        fileName: s.fileName,
        asOf: s.asOf,
        rowsStored: s.rowsStored,
        rowsRejected: s.rowsRejected,
        stale: s.asOf === null || s.asOf < cutoff,
      }));
      const link = await repo.linkageSummary(scope, run.linkRunId);
      const workflow = await createCaseRepository(db).funnel(scope, run.id);
      return c.json(
        {
          run: runInfo(run),
          types,
          capacity: { perMonth: run.rules.capacity.perMonth, unit: run.rules.capacity.unit },
          trend,
          // Review list, conference, decision and support come from the workflow's
          // tables (cases); before any list is made on this run they are null
          // (未記録), never zero. Council cases are left out for non-members (RLS).
          funnel: types.map((x) => {
            const w = workflow?.find((f) => f.difficulty === x.id);
            const n = (k: "listed" | "conference" | "decision" | "support") =>
              workflow ? (w?.[k] ?? 0) : null;
            return {
              type: x.id,
              stages: [
                { stage: "flagged", label: "基準以上", count: x.flagged },
                { stage: "listed", label: "候補リスト", count: n("listed") },
                { stage: "conference", label: "会議", count: n("conference") },
                { stage: "decision", label: "判断", count: n("decision") },
                { stage: "support", label: "支援", count: n("support") },
              ],
            };
          }),
          freshness: { limitMonths, sources: fresh },
          linkage: {
            methods: link.methods.map((m) => ({
              method: m.method,
              label: METHOD_LABELS[m.method] ?? m.method,
              rows: m.rows,
            })),
            openPairs: link.openPairs,
          },
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("children.list", {
      method: "get",
      path: "/{runId}/children",
      tags,
      summary: "判定一覧（サーバーで絞り込み・並べ替え・ページ分け）",
      description:
        "優先順位は点数、総ポイント、年齢（若い順）。保有項目の条件は AND / OR / NOT（例: B11 AND NOT B01）。要対協構成員でない利用者は B01・B02 で絞り込めず、項目にも点数にも含まれません。閲覧は条件とともに監査ログに記録されます（氏名は記録しません）。",
      request: { params: runParam, query: listQuery },
      responses: { 200: json(listResponse) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const { runId } = c.req.valid("param");
      const q = c.req.valid("query");
      const db = c.get("deps").db;
      const run = await findRun(db, actor.municipalityId, runId);
      if (!run) noRun();
      if (scope.children !== "all")
        throw new MimamoriError("forbidden", "判定一覧を見る権限がありません。");
      const built = buildFilter(scope, run, q);
      const { type, audit } = built;
      const filter = await withUsageStops(db, actor.municipalityId, run, built.filter);
      await ensureChildIndex(db, actor.municipalityId, run);
      const repo = createRunViewRepository(db);
      const page = await repo.list(scope, run, filter, {
        sort: q.sort,
        households: q.households === "yes",
        offset: q.offset,
        limit: q.limit,
      });
      const facets = await repo.facets(scope, run.id);
      await createAuditRepository(db).append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "children.list",
        target: `score_run:${run.id}`,
        clientAddress: clientAddress(c),
        detail: {
          filter: audit,
          sort: q.sort,
          households: q.households,
          offset: q.offset,
          shown: page.rows.length,
          total: page.total,
          persons: page.rows.map((r) => r.personId),
        },
      });
      const names = reasonNames(run);
      const items = visibleItems(scope, run);
      return c.json(
        {
          run: runInfo(run),
          type,
          total: page.total,
          offset: q.offset,
          limit: q.limit,
          rows: page.rows.map((r) => ({
            ...r,
            excludedBy: r.excludedBy.map((id) => ({ id, name: reasonName(names, id) })),
            items: [...r.items],
          })),
          items: [...items].map(([id, name]) => ({ id, name })),
          facets,
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("children.list", {
      method: "get",
      path: "/{runId}/matrix",
      tags,
      summary: "ルール詳細（こども × 規則の項目）",
      description: `一覧と同じ条件で絞り込んだこども（最大 ${MAX_MATRIX_ROWS} 人）と、その類型の規則の項目ごとの該当・非該当、行と列の合計。要対協構成員でない利用者には B01・B02 の列はありません。`,
      request: { params: runParam, query: listFilterQuery },
      responses: { 200: json(matrixResponse) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const { runId } = c.req.valid("param");
      const q = c.req.valid("query");
      const db = c.get("deps").db;
      const run = await findRun(db, actor.municipalityId, runId);
      if (!run) noRun();
      if (scope.children !== "all")
        throw new MimamoriError("forbidden", "ルール詳細を見る権限がありません。");
      const built = buildFilter(scope, run, q);
      const { type, audit } = built;
      const filter = await withUsageStops(db, actor.municipalityId, run, built.filter);
      await ensureChildIndex(db, actor.municipalityId, run);
      const visible = visibleItems(scope, run);
      const rule = run.rules.types.find((t) => t.difficulty === type);
      const ruleItems = (rule?.items ?? []).filter((i) => visible.has(i.itemId));
      const m = await createRunViewRepository(db).matrix(
        scope,
        run,
        filter,
        ruleItems.map((i) => i.itemId),
      );
      await createAuditRepository(db).append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "children.matrix",
        target: `score_run:${run.id}`,
        clientAddress: clientAddress(c),
        detail: {
          filter: audit,
          shown: m.rows.length,
          total: m.total,
          persons: m.rows.map((r) => r.personId),
        },
      });
      return c.json(
        {
          run: runInfo(run),
          type,
          total: m.total,
          truncated: m.total > m.rows.length,
          items: ruleItems.map((i) => ({
            id: i.itemId,
            name: visible.get(i.itemId) ?? i.itemId,
            weight: rule?.method === "count" ? 1 : i.weight,
          })),
          rows: m.rows,
          columnTotals: m.columnTotals,
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("children.export", {
      method: "post",
      path: "/{runId}/children/export",
      tags,
      summary: "判定一覧の CSV 出力（目的の入力が必要）",
      description:
        "一覧と同じ条件で絞り込んだ全件を CSV（UTF-8、BOM 付き）で返します。目的は監査ログに記録されます。数式として解釈される文字（= + - @）で始まるセルには ' を付けます。出力の前 10 分以内の本人確認（POST /api/auth/reauth）が必要です。",
      request: { params: runParam, query: listQuery, body: jsonBody(exportPurposeBody) },
      responses: csvResponses,
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const { runId } = c.req.valid("param");
      const q = c.req.valid("query");
      const { purpose } = c.req.valid("json");
      await requireReauth(c, "children.export");
      const db = c.get("deps").db;
      const run = await findRun(db, actor.municipalityId, runId);
      if (!run) noRun();
      if (scope.children !== "all")
        throw new MimamoriError("forbidden", "判定一覧を出力する権限がありません。");
      const built = buildFilter(scope, run, q);
      const { type, audit } = built;
      const filter = await withUsageStops(db, actor.municipalityId, run, built.filter);
      await ensureChildIndex(db, actor.municipalityId, run);
      const repo = createRunViewRepository(db);
      // Every child the file will hold is recorded before the first line is
      // written (audit_disclosure, with the audit row in one transaction), so
      // the per-person report finds this export (issue 12).
      const persons = await repo.personIds(scope, run, filter);
      const total = persons.length;
      await createAuditRepository(db).appendDisclosure(
        {
          municipalityId: actor.municipalityId,
          actorUserId: actor.userId,
          actor: actor.loginName,
          action: "children.export",
          target: `score_run:${run.id}`,
          purpose,
          clientAddress: clientAddress(c),
          detail: { filter: audit, sort: q.sort, households: q.households, rows: total },
        },
        { persons, council: scope.council },
      );
      // The export masks like every JSON answer (same rules, same forms).
      const { forms } = await maskingOf(c);
      const names = reasonNames(run);
      const typeName = isDifficultyId(type) ? DIFFICULTY_NAMES[type] : type;
      const enc = new TextEncoder();
      const header = [
        "順位",
        "こどもID",
        "氏名",
        "氏名カナ",
        "生年月日",
        "年齢",
        "所属",
        "学年",
        "世帯番号",
        "類型",
        "点数",
        "基準値",
        "基準以上",
        "総ポイント",
        "該当項目",
        "一覧から外れる理由",
      ];
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(enc.encode(CSV_BOM + csvLine(header)));
          // Pages in the list's order; the export reads at most the filtered rows.
          for (let offset = 0; offset < total; offset += EXPORT_PAGE) {
            const page = await repo.list(scope, run, filter, {
              sort: q.sort,
              households: q.households === "yes",
              offset,
              limit: EXPORT_PAGE,
            });
            let text = "";
            page.rows.forEach((r, i) => {
              text += csvLine([
                offset + i + 1,
                r.personId,
                maskValue("name", forms.name, r.name) as string | null,
                maskValue("nameKana", forms.nameKana, r.nameKana) as string | null,
                maskValue("birthDate", forms.birthDate, r.birthDate) as string | null,
                maskValue("birthDate", forms.birthDate, r.age) as number | null,
                r.affiliation,
                r.grade,
                maskValue("householdNo", forms.householdNo, r.householdNo) as string | null,
                typeName,
                r.score,
                r.threshold,
                r.flagged ? "はい" : "いいえ",
                r.totalPoints,
                r.items.join(" "),
                r.excludedBy.map((id) => reasonName(names, id)).join(" / "),
              ]);
            });
            controller.enqueue(enc.encode(text));
            if (page.rows.length < EXPORT_PAGE) break;
          }
          controller.close();
        },
      });
      return csvDownload(stream, `hantei-${run.id}-${type}.csv`);
    },
  );
