/**
 * 保存期間の設定 (issue 12, lifecycle): every retention setting of the
 * municipality in one place — imported snapshots, closed cases and persons'
 * raw rows — read and saved through retention-setting.repository.ts (the
 * same repository the `retention` CLI uses). settings.manage; a change needs
 * a reason and is audited (retention.settings) with before and after.
 */
import {
  createRetentionSettingRepository,
  type StoredRetentionSettings,
} from "../../../db/retention-setting.repository.ts";
import { DEFAULT_CASE_RETENTION } from "../../../pipeline/case-retention.ts";
import { DEFAULT_PERSON_RETENTION } from "../../../pipeline/person-retention.ts";
import { DEFAULT_RETENTION_POLICY } from "../../../pipeline/retention.ts";
import { auditRequest } from "../../audit.ts";
import { actorOf, createRouter, json, jsonBody, policyRoute } from "../../openapi/route.ts";
import { retentionSchema, saveRetentionBody } from "./schema.ts";

const tags = ["保存期間"];

const meta = (s: { updatedAt: Date; actor: string } | undefined) => ({
  stored: s !== undefined,
  updatedAt: s ? s.updatedAt.toISOString() : null,
  updatedBy: s ? s.actor : null,
});

const out = (s: StoredRetentionSettings) => ({
  snapshots: {
    keepSnapshots: s.snapshots?.keepSnapshots ?? DEFAULT_RETENTION_POLICY.keepSnapshots,
    keepMonths: s.snapshots ? s.snapshots.keepMonths : DEFAULT_RETENTION_POLICY.keepMonths,
    ...meta(s.snapshots),
    defaults: { ...DEFAULT_RETENTION_POLICY },
  },
  cases: {
    closedYears: s.cases?.closedYears ?? DEFAULT_CASE_RETENTION.closedYears,
    untilAge: s.cases ? s.cases.untilAge : DEFAULT_CASE_RETENTION.untilAge,
    ...meta(s.cases),
    defaults: { ...DEFAULT_CASE_RETENTION },
  },
  persons: {
    years: s.persons?.years ?? DEFAULT_PERSON_RETENTION.years,
    ...meta(s.persons),
    defaults: { ...DEFAULT_PERSON_RETENTION },
  },
});

/** The values only (for the audit row's before / after). */
const values = (s: ReturnType<typeof out>) => ({
  snapshots: { keepSnapshots: s.snapshots.keepSnapshots, keepMonths: s.snapshots.keepMonths },
  cases: { closedYears: s.cases.closedYears, untilAge: s.cases.untilAge },
  persons: { years: s.persons.years },
});

/** Mounted at /api/retention. */
export const retentionRoutes = createRouter()
  .openapi(
    policyRoute("settings.manage", {
      method: "get",
      path: "/",
      tags,
      summary: "保存期間の設定（取込・終結ケース・個人の取込行、この自治体の設定と既定値）",
      responses: { 200: json(retentionSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const stored = await createRetentionSettingRepository(c.get("deps").db).get(
        actor.municipalityId,
      );
      return c.json(out(stored), 200);
    },
  )
  .openapi(
    policyRoute("settings.manage", {
      method: "put",
      path: "/",
      tags,
      summary: "保存期間の設定の保存（理由が必要）",
      description:
        "指定した項目だけを保存します。`mimamori retention`（取込）・`--cases`・`--persons` がこの設定で削除します。変更は監査ログに記録されます（変更前と変更後、理由）。",
      request: { body: jsonBody(saveRetentionBody) },
      responses: { 200: json(retentionSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { reason, ...change } = c.req.valid("json");
      const repo = createRetentionSettingRepository(c.get("deps").db);
      const before = out(await repo.get(actor.municipalityId));
      const after = out(await repo.save(actor.municipalityId, change, actor.loginName));
      await auditRequest(c, {
        action: "retention.settings",
        target: `municipality:${actor.municipalityId}`,
        detail: {
          note: reason,
          changed: Object.keys(change),
          before: values(before),
          after: values(after),
        },
      });
      return c.json(after, 200);
    },
  );
