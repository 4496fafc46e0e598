/**
 * Masking rules of the municipality (issue 12): read with their history, and
 * saved as a new version (who, when, why; audited). 総括管理 and the system
 * administrator agree them in advance; the API applies them to every answer
 * that carries a person's identity (server/openapi/identity.ts).
 */
import { createMaskingRepository, type MaskingRuleSet } from "../../../db/masking.repository.ts";
import {
  DEFAULT_MASKING_RULES,
  IDENTITY_FIELD_LABELS,
  IDENTITY_FIELDS,
  PARTIAL_FORM_LABELS,
  ROLE_LABELS,
  ROLES,
} from "../../../domain/policy/index.ts";
import { auditRequest } from "../../audit.ts";
import { actorOf, createRouter, json, jsonBody, policyRoute } from "../../openapi/route.ts";
import { maskingViewSchema, saveMaskingBody } from "./schema.ts";

const tags = ["マスキング"];

const versionOut = (v: MaskingRuleSet) => ({
  version: v.version,
  label: v.label,
  rules: v.rules,
  note: v.note,
  createdBy: v.createdBy,
  createdAt: v.createdAt ? v.createdAt.toISOString() : null,
});

const changedCells = (before: MaskingRuleSet["rules"], after: MaskingRuleSet["rules"]) =>
  ROLES.flatMap((r) =>
    IDENTITY_FIELDS.filter((f) => before[r][f] !== after[r][f]).map(
      (f) => `${r}.${f}: ${before[r][f]} → ${after[r][f]}`,
    ),
  );

/** Mounted at /api/masking-rules. */
export const maskingRoutes = createRouter()
  .openapi(
    policyRoute("settings.manage", {
      method: "get",
      path: "/",
      tags,
      summary: "マスキングルール（役割×項目ごとの表示の形）と変更履歴",
      responses: { 200: json(maskingViewSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const repo = createMaskingRepository(c.get("deps").db);
      const [current, history] = await Promise.all([
        repo.current(actor.municipalityId),
        repo.history(actor.municipalityId),
      ]);
      return c.json(
        {
          current: versionOut(current),
          defaults: DEFAULT_MASKING_RULES,
          history: history.map(versionOut),
          fields: IDENTITY_FIELDS.map((id) => ({
            id,
            label: IDENTITY_FIELD_LABELS[id],
            partial: PARTIAL_FORM_LABELS[id],
          })),
          roles: ROLES.map((id) => ({ id, label: ROLE_LABELS[id] })),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("settings.manage", {
      method: "put",
      path: "/",
      tags,
      summary: "マスキングルールの保存（新しい版として記録。理由が必要）",
      description:
        "編集を始めた版（basedOn）のあとに別の人が保存していたときは 409 を返します。変更は監査ログに記録されます。",
      request: { body: jsonBody(saveMaskingBody) },
      responses: { 200: json(maskingViewSchema.shape.current) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const repo = createMaskingRepository(c.get("deps").db);
      const before = await repo.current(actor.municipalityId);
      const saved = await repo.save(actor.municipalityId, body, {
        userId: actor.userId,
        loginName: actor.loginName,
      });
      await auditRequest(c, {
        action: "masking.update",
        target: `masking_rule_version:${saved.version}`,
        detail: { note: body.note, changes: changedCells(before.rules, saved.rules) },
      });
      return c.json(versionOut(saved), 200);
    },
  );
