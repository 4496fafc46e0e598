/**
 * The rules page's API (issue 14, 総括管理: permission `rules.manage`): the
 * version in force with its types, weights and thresholds; a preview of a
 * change on the latest run's data against the monthly capacity; saving a
 * change as a new version; a diff of two versions; a past run scored with
 * another version. Counts only, except `POST /preview/moves`: the children a
 * change newly flags or drops, per type, paged (computed in SQL,
 * services/rule-preview.service.ts), audited with the run and the ids shown.
 * Every call is audited.
 */

import type { Context } from "hono";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createScoringRepository } from "../../../db/scoring.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
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
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  jsonBody,
  policyRoute,
  scopeOfRequest,
} from "../../openapi/route.ts";
import { previewRuleMoves } from "../../services/rule-preview.service.ts";
import {
  compareQuery,
  compareSchema,
  diffQuery,
  diffSchema,
  movesBody,
  movesSchema,
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
      path: "/preview/moves",
      tags,
      summary: "規則の変更で新たに対象になる・外れるこども（類型ごとの人数と一覧）",
      description:
        "最新の判定に保存された各こどもの該当項目から、今の規則と変更後の規則の点数を SQL で計算し直して比べます（保存はしません）。difficulty を付けるとその類型の一覧を direction の向きに offset / limit で返します。要対協構成員でない利用者には、B01・B02 を除いた点数で比べます（B01・B02 だけで動くこどもは出ません）。閲覧は監査ログに残ります（対象 score_run:実行番号、表示したこどもの ID）。",
      request: { body: jsonBody(movesBody) },
      responses: { 200: json(movesSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const body = c.req.valid("json");
      const patch = parseRulePatch(body.patch);
      // Names children: only for a reader who may list every child (as 判定一覧).
      if (scope.children !== "all")
        throw new MimamoriError("forbidden", "こどもの一覧を見る権限がありません。");
      const r = await previewRuleMoves(c.get("deps").db, scope, patch, body);
      await createAuditRepository(c.get("deps").db).append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "rules.preview_moves",
        target: `score_run:${r.run.id}`,
        clientAddress: clientAddress(c),
        detail: {
          version: patch.version,
          moves: r.types.map((t) => ({ difficulty: t.difficulty, ...t.counts })),
          ...(r.list && {
            difficulty: r.list.difficulty,
            direction: r.list.direction,
            offset: body.offset,
            shown: r.list.rows.length,
            total: r.list.total,
            persons: r.list.rows.map((x) => x.personId),
          }),
        },
      });
      return c.json(
        {
          runId: r.run.id,
          asOf: r.run.asOf,
          baseVersion: r.run.ruleVersion,
          types: r.types.map((t) => ({
            difficulty: t.difficulty,
            name: nameOf(t.difficulty),
            entering: t.counts?.entering ?? null,
            leaving: t.counts?.leaving ?? null,
          })),
          list: r.list && {
            difficulty: r.list.difficulty,
            name: nameOf(r.list.difficulty),
            direction: r.list.direction,
            total: r.list.total,
            offset: body.offset,
            limit: body.limit,
            rows: [...r.list.rows],
          },
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
