/**
 * Rights of the people concerned (issue 12), for the coordinating office
 * (`rights.manage`):
 * - POST /api/rights/{personId}/disclosure — 開示: everything held about the
 *   person as one JSON file (identity, every linked source row, the items that
 *   hold, scores for members, who looked at the record, break-the-glass
 *   accesses, 利用停止, 訂正). The purpose (the request's 受付番号) is asked
 *   and audited; re-authenticated.
 * - POST /api/rights/{personId}/stop and /resume — 利用停止 and its lifting,
 *   with the reason (e.g. the request's 受付番号); from the next run the
 *   person is left out of scoring, lists and validation (pipeline/score.ts
 *   readPopulation); the imported rows are kept. Audited.
 * - GET /api/rights/stops — the stops, newest first.
 * - GET /api/rights/{personId}/records, POST /api/rights/{personId}/corrections,
 *   POST /api/rights/corrections/{id}/withdraw — 訂正: a cell of one of the
 *   person's source rows (not an identity column, domain/privacy/correction.ts)
 *   gets a corrected value with its reason; the row is kept as imported, the
 *   trail (old → new, who, when, why, withdrawal) is in 開示, and the next run
 *   reads the corrected value (pipeline/score.ts readPopulation).
 */
import {
  type CorrectionRow,
  createCorrectionRepository,
  rowKey,
} from "../../../db/correction.repository.ts";
import { createLinkageRepository } from "../../../db/linkage.repository.ts";
import { createRightsRepository, type UsageStopRow } from "../../../db/rights.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { findLayout } from "../../../domain/layouts.ts";
import { correctableFields } from "../../../domain/privacy/correction.ts";
import { parseCellValue } from "../../../domain/validate.ts";
import { loadSources } from "../../../pipeline/sources.ts";
import { auditRequest } from "../../audit.ts";
import { requireReauth } from "../../openapi/reauth.ts";
import {
  actorOf,
  createRouter,
  json,
  jsonBody,
  policyRoute,
  refuseAsNotFound,
  scopeOfRequest,
} from "../../openapi/route.ts";
import { findRun } from "../../services/run-view.service.ts";
import {
  correctionBody,
  correctionIdParam,
  correctionSchema,
  disclosureBody,
  disclosureSchema,
  personRecordsSchema,
  rightsPersonParam,
  rightsReasonBody,
  usageStopListSchema,
  usageStopSchema,
} from "./schema.ts";

const tags = ["本人の権利"];
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const stopView = (s: UsageStopRow) => ({
  ...s,
  stoppedAt: new Date(s.stoppedAt).toISOString(),
  liftedAt: iso(s.liftedAt),
});

const correctionView = (c: CorrectionRow) => ({
  ...c,
  correctedAt: new Date(c.correctedAt).toISOString(),
  withdrawnAt: iso(c.withdrawnAt),
});

/** The person's rows in the newest 名寄せ run, with the corrections in force and what may be corrected. */
async function personRecords(
  db: Parameters<typeof createCorrectionRepository>[0],
  m: number,
  personId: string,
) {
  const link = await createLinkageRepository(db).latestRun(m);
  if (!link)
    throw new MimamoriError(
      "not_found",
      "名寄せの結果がありません。先に月次実行を行ってください。",
    );
  const repo = createCorrectionRepository(db);
  const rows = await repo.personRows(m, link.id, personId);
  if (rows.length === 0) return undefined;
  const sources = await loadSources(db, m);
  const trail = await repo.listForPerson(m, personId);
  const inForce = new Map<string, Record<string, unknown>>();
  for (const c of trail) {
    if (c.withdrawnAt !== null) continue;
    const k = rowKey(c.snapshotId, c.rowNo);
    inForce.set(k, { ...(inForce.get(k) ?? {}), [c.field]: c.newValue });
  }
  return {
    linkRunId: link.id,
    trail,
    records: rows.map((r) => {
      const layout = findLayout(r.sourceId, sources);
      return {
        ...r,
        sourceName: layout?.name ?? r.sourceId,
        corrected: (inForce.get(rowKey(r.snapshotId, r.rowNo)) ?? {}) as Record<
          string,
          string | number | boolean | null
        >,
        correctable: layout ? correctableFields(layout) : [],
      };
    }),
    sources,
  };
}

export const rightsRoutes = createRouter()
  .openapi(
    policyRoute("rights.manage", {
      method: "post",
      path: "/{personId}/disclosure",
      tags,
      summary: "開示: 本人について保有する情報の一式（JSON ファイル、本人確認が必要、監査に記録）",
      description:
        "要対協・一時保護の情報は構成員が作成した場合にだけ含まれます（不開示情報に当たるかは個人情報保護法 78 条により別途判断してください）。",
      request: { params: rightsPersonParam, body: jsonBody(disclosureBody) },
      responses: { 200: json(disclosureSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const { personId } = c.req.valid("param");
      const { purpose } = c.req.valid("json");
      await requireReauth(c, "rights.manage");
      const db = c.get("deps").db;
      const run = await findRun(db, actor.municipalityId, "latest");
      if (!run)
        throw new MimamoriError(
          "not_found",
          "判定の結果がありません。先に月次実行を行ってください。",
        );
      const d = await createRightsRepository(db).disclosure(scope, run, personId);
      if (!d) return refuseAsNotFound(c, `person:${personId}`, "指定された本人は見つかりません。");
      await auditRequest(c, {
        action: "rights.disclosure",
        target: `person:${personId}`,
        personId,
        purpose,
        detail: { records: d.records.length, items: d.items.length, council: scope.council },
      });
      const body = {
        kind: "mimamori-disclosure" as const,
        generatedAt: new Date().toISOString(),
        municipalityId: actor.municipalityId,
        scoreRunId: run.id,
        note: scope.council
          ? "要対協・一時保護の情報を含みます（作成者は要対協の構成員）。"
          : "要対協・一時保護の情報と点数は含みません（作成者は要対協の構成員ではありません）。",
        ...d,
        usageStops: d.usageStops.map(stopView),
        corrections: d.corrections.map(correctionView),
      };
      c.header("Content-Disposition", `attachment; filename="disclosure-${personId}.json"`);
      c.header("Cache-Control", "no-store");
      return c.json(body, 200);
    },
  )
  .openapi(
    policyRoute("rights.manage", {
      method: "post",
      path: "/{personId}/stop",
      tags,
      summary: "利用停止: 次回の実行から判定・一覧・検証の対象外にする（データは保存したまま）",
      request: { params: rightsPersonParam, body: jsonBody(rightsReasonBody) },
      responses: { 200: json(usageStopSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { personId } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const rights = createRightsRepository(c.get("deps").db);
      if (!(await rights.isKnownPerson(actor.municipalityId, personId)))
        return refuseAsNotFound(
          c,
          `person:${personId}`,
          "指定された本人は見つかりません。こどもIDを確認してください（検索で確認できます）。",
        );
      const s = await rights.stop(actor.municipalityId, personId, reason, actor.loginName);
      if (!s)
        throw new MimamoriError("conflict", "この本人はすでに利用停止中です。", [
          "already_stopped",
        ]);
      await auditRequest(c, {
        action: "rights.stop",
        target: `person:${personId}`,
        personId,
        purpose: reason,
      });
      return c.json(stopView(s), 200);
    },
  )
  .openapi(
    policyRoute("rights.manage", {
      method: "post",
      path: "/{personId}/resume",
      tags,
      summary: "利用停止の解除（理由が必要。次回の実行から対象に戻る）",
      request: { params: rightsPersonParam, body: jsonBody(rightsReasonBody) },
      responses: { 200: json(usageStopSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { personId } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const s = await createRightsRepository(c.get("deps").db).lift(
        actor.municipalityId,
        personId,
        reason,
        actor.loginName,
      );
      if (!s) throw new MimamoriError("not_found", "この本人は利用停止されていません。");
      await auditRequest(c, {
        action: "rights.resume",
        target: `person:${personId}`,
        personId,
        purpose: reason,
      });
      return c.json(stopView(s), 200);
    },
  )
  .openapi(
    policyRoute("rights.manage", {
      method: "get",
      path: "/stops",
      tags,
      summary: "利用停止の一覧（新しい順、最大 1000 件）",
      responses: { 200: json(usageStopListSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const items = await createRightsRepository(c.get("deps").db).listStops(actor.municipalityId);
      await auditRequest(c, { action: "rights.stops.view", detail: { count: items.length } });
      return c.json({ items: items.map(stopView) }, 200);
    },
  )
  .openapi(
    policyRoute("rights.manage", {
      method: "get",
      path: "/{personId}/records",
      tags,
      summary:
        "訂正の対象: 本人に名寄せされた行（取込時の値、訂正中の値、訂正できる項目）と訂正の履歴（監査に記録）",
      request: { params: rightsPersonParam },
      responses: { 200: json(personRecordsSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { personId } = c.req.valid("param");
      const p = await personRecords(c.get("deps").db, actor.municipalityId, personId);
      if (!p) return refuseAsNotFound(c, `person:${personId}`, "指定された本人は見つかりません。");
      await auditRequest(c, {
        action: "rights.records.view",
        target: `person:${personId}`,
        personId,
        detail: { records: p.records.length },
      });
      return c.json(
        {
          personId,
          linkRunId: p.linkRunId,
          records: p.records,
          corrections: p.trail.map(correctionView),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("rights.manage", {
      method: "post",
      path: "/{personId}/corrections",
      tags,
      summary:
        "訂正: 本人の行の項目を訂正する（元の値は残し、履歴に記録。次回の実行から訂正後の値を使う）",
      request: { params: rightsPersonParam, body: jsonBody(correctionBody) },
      responses: { 200: json(correctionSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { personId } = c.req.valid("param");
      const body = c.req.valid("json");
      const db = c.get("deps").db;
      const p = await personRecords(db, actor.municipalityId, personId);
      const row = p?.records.find(
        (r) => r.snapshotId === body.snapshotId && r.rowNo === body.rowNo,
      );
      if (!p || !row)
        return refuseAsNotFound(
          c,
          `person:${personId}`,
          "指定された行はこの本人のものではないか、見つかりません。",
        );
      if (!row.correctable.includes(body.field))
        throw new MimamoriError(
          "invalid_input",
          `「${body.field}」はここでは訂正できません。宛名番号・氏名・生年月日など本人を特定する項目は、名寄せの確認（分割・統合）か、データ提供元で訂正したファイルの取込みで直してください。`,
        );
      const layout = findLayout(row.sourceId, p.sources);
      const parsed = layout
        ? parseCellValue(layout, body.field, body.value.trim())
        : ({ ok: false, reason: "データの種類がわかりません。" } as const);
      if (!parsed.ok)
        throw new MimamoriError("invalid_input", `訂正後の値が正しくありません: ${parsed.reason}`);
      const saved = await createCorrectionRepository(db).correct({
        municipalityId: actor.municipalityId,
        row,
        personId,
        field: body.field,
        newValue: parsed.value,
        reason: body.reason,
        actor: actor.loginName,
      });
      if (!saved)
        throw new MimamoriError(
          "conflict",
          "訂正後の値が今の値と同じです。値を確認してください。",
          ["same_value"],
        );
      // The audit names the cell, never the values (they are in the trail, under row-level security).
      await auditRequest(c, {
        action: "rights.correct",
        target: `person:${personId}`,
        personId,
        purpose: body.reason,
        detail: {
          correctionId: saved.id,
          sourceId: row.sourceId,
          snapshotId: row.snapshotId,
          rowNo: row.rowNo,
          field: body.field,
        },
      });
      return c.json(correctionView(saved), 200);
    },
  )
  .openapi(
    policyRoute("rights.manage", {
      method: "post",
      path: "/corrections/{id}/withdraw",
      tags,
      summary: "訂正の取消し（理由が必要。次回の実行から取込時の値に戻る。履歴は残る）",
      request: { params: correctionIdParam, body: jsonBody(rightsReasonBody) },
      responses: { 200: json(correctionSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const w = await createCorrectionRepository(c.get("deps").db).withdraw(
        actor.municipalityId,
        id,
        reason,
        actor.loginName,
      );
      if (!w)
        throw new MimamoriError(
          "not_found",
          "取り消せる訂正が見つかりません（取消し済みか、番号が違います）。",
        );
      await auditRequest(c, {
        action: "rights.correction.withdraw",
        target: `person:${w.personId}`,
        personId: w.personId,
        purpose: reason,
        detail: { correctionId: id, field: w.field },
      });
      return c.json(correctionView(w), 200);
    },
  );
