/**
 * The rules page's API (issue 14, 総括管理: permission `rules.manage`): the
 * version in force with its types, weights and thresholds; a preview of a
 * change on the latest run's data against the monthly capacity; saving a
 * change as a new version; a diff of two versions; a past run scored with
 * another version. Counts only — no child is named here (the child views are
 * where children are seen, and audited). Every call is audited.
 */

import type { Context } from "hono";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createScoringRepository } from "../../../db/scoring.repository.ts";
import { DIFFICULTY_NAMES, type DifficultyId } from "../../../domain/scoring/difficulties.ts";
import { parseRulePatch } from "../../../domain/scoring/rule-edit.ts";
import { TIE_BREAK_NAMES, tieBreakOf } from "../../../domain/scoring/rules.ts";
import type { IsoDate } from "../../../domain/types.ts";
import {
  compareRunWithVersion,
  diffRuleVersions,
  findRuleVersion,
  listRuleVersions,
  previewRulePatch,
  saveRulePatch,
} from "../../../pipeline/rules.ts";
import type { AppEnv } from "../../app-env.ts";
import { actorOf, createRouter, json, jsonBody, policyRoute } from "../../openapi/route.ts";
import {
  compareQuery,
  compareSchema,
  diffQuery,
  diffSchema,
  rulePatchBody,
  rulePreviewSchema,
  rulesOverviewSchema,
  savedRulesSchema,
  saveRulesBody,
} from "./schema.ts";

const tags = ["規則"];
const nameOf = (d: string) => DIFFICULTY_NAMES[d as DifficultyId] ?? d;

/** Today in Japan: the version "in force" is the one for today's runs. */
export function todayInJapan(): IsoDate {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10) as IsoDate;
}

async function auditRules(c: Context<AppEnv>, action: string, detail: Record<string, unknown>) {
  const actor = actorOf(c);
  await createAuditRepository(c.get("deps").db).append({
    municipalityId: actor.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action,
    target: null,
    detail,
  });
}

export const rulesRoutes = createRouter()
  .openapi(
    policyRoute("rules.manage", {
      method: "get",
      path: "/",
      tags,
      summary: "規則の版の一覧と、いま有効な版の内容",
      responses: { 200: json(rulesOverviewSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const db = c.get("deps").db;
      const versions = await listRuleVersions(db, actor.municipalityId, actor);
      const current = await findRuleVersion(
        db,
        actor.municipalityId,
        { asOf: todayInJapan() },
        actor,
      );
      const run = await createScoringRepository(db).findScoreRun(actor.municipalityId, undefined);
      const names = new Map(current.rules.catalog.items.map((i) => [i.id, i.name]));
      return c.json(
        {
          current: {
            label: current.label,
            effectiveFrom: current.effectiveFrom,
            note: current.note,
            capacity: current.rules.capacity,
            types: current.rules.types.map((t) => ({
              difficulty: t.difficulty,
              name: nameOf(t.difficulty),
              enabled: t.enabled,
              method: t.method,
              threshold: t.threshold,
              ages: t.ages,
              tieBreak: tieBreakOf(t).map((key) => ({ key, name: TIE_BREAK_NAMES[key] })),
              items: t.items.map((i) => ({
                itemId: i.itemId,
                name: names.get(i.itemId) ?? i.itemId,
                weight: i.weight,
              })),
            })),
            items: current.rules.catalog.items.map((i) => ({
              id: i.id,
              name: i.name,
              purpose: i.purpose ?? null,
              legalBasis: i.legalBasis ?? null,
            })),
          },
          versions: versions.map((v) => ({
            label: v.label,
            effectiveFrom: v.effectiveFrom,
            note: v.note,
            actor: v.actor,
            createdAt: v.createdAt.toISOString(),
          })),
          latestRun: run ? { id: run.id, asOf: run.asOf, ruleVersion: run.ruleVersion } : null,
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("rules.manage", {
      method: "post",
      path: "/preview",
      tags,
      summary: "規則の変更を保存せずに試算（最新の判定のデータ、確認できる件数との比較）",
      request: { body: jsonBody(rulePatchBody) },
      responses: { 200: json(rulePreviewSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const patch = parseRulePatch(c.req.valid("json"));
      const p = await previewRulePatch(c.get("deps").db, actor.municipalityId, patch);
      await auditRules(c, "rules.preview", { runId: p.runId, version: patch.version });
      return c.json(
        {
          runId: p.runId,
          asOf: p.asOf,
          baseVersion: p.baseVersion,
          lines: p.lines.map((l) => ({
            difficulty: l.difficulty,
            name: nameOf(l.difficulty),
            before: l.before && { children: l.before.children, households: l.before.households },
            after: l.after && { children: l.after.children, households: l.after.households },
            capacity: l.capacity,
            monthsOfWork: l.monthsOfWork,
          })),
          changes: [...p.changes],
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("rules.manage", {
      method: "post",
      path: "/versions",
      tags,
      summary: "規則の変更を新しい版として保存（適用開始日とメモ）",
      request: { body: jsonBody(saveRulesBody) },
      responses: { 200: json(savedRulesSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const patch = parseRulePatch(body.patch);
      // Audited by saveRuleVersion (rules.version).
      const r = await saveRulePatch(
        c.get("deps").db,
        actor.municipalityId,
        patch,
        { effectiveFrom: body.effectiveFrom as IsoDate, note: body.note },
        actor,
      );
      return c.json({ versionId: r.versionId, base: r.base, changes: r.changes }, 200);
    },
  )
  .openapi(
    policyRoute("rules.manage", {
      method: "get",
      path: "/diff",
      tags,
      summary: "2つの規則の版の違い",
      request: { query: diffQuery },
      responses: { 200: json(diffSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const q = c.req.valid("query");
      const changes = await diffRuleVersions(
        c.get("deps").db,
        actor.municipalityId,
        q.a,
        q.b,
        actor,
      );
      return c.json({ changes }, 200);
    },
  )
  .openapi(
    policyRoute("rules.manage", {
      method: "get",
      path: "/compare",
      tags,
      summary: "過去の判定を別の版で判定し直したときに入る・外れる人数",
      request: { query: compareQuery },
      responses: { 200: json(compareSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const q = c.req.valid("query");
      const r = await compareRunWithVersion(
        c.get("deps").db,
        actor.municipalityId,
        q.run,
        q.version,
        actor,
      );
      await auditRules(c, "rules.compare", { runId: r.runId, version: r.otherVersion });
      return c.json(
        {
          runId: r.runId,
          asOf: r.asOf,
          runVersion: r.runVersion,
          otherVersion: r.otherVersion,
          types: r.types.map((t) => ({
            difficulty: t.difficulty,
            name: nameOf(t.difficulty),
            entering: t.entering.length,
            leaving: t.leaving.length,
            staying: t.staying,
          })),
        },
        200,
      );
    },
  );
