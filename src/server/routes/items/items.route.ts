/**
 * データ項目 (issue 14, 総括管理: permission `rules.manage`): the catalog of
 * the rule version in force — each item's level, sources, criterion,
 * purpose and legal basis, and the types that weigh it — and adding an item
 * (with its weights per type) as a new rule version, checked against the
 * municipality's sources exactly as `mimamori rules add` checks a patch.
 * Saving is audited as `rules.version` (pipeline/score.ts).
 */
import { DEFAULT_CATALOG, LEGAL_BASES } from "../../../domain/items/catalog.ts";
import { describeCriterion } from "../../../domain/items/describe.ts";
import {
  DIFFICULTY_IDS,
  DIFFICULTY_NAMES,
  type DifficultyId,
} from "../../../domain/scoring/difficulties.ts";
import { parseRulePatch } from "../../../domain/scoring/rule-edit.ts";
import type { IsoDate } from "../../../domain/types.ts";
import { findRuleVersion, saveRulePatch } from "../../../pipeline/rules.ts";
import { loadSources } from "../../../pipeline/sources.ts";
import { actorOf, createRouter, json, jsonBody, policyRoute } from "../../openapi/route.ts";
import { todayInJapan } from "../rules/rules.route.ts";
import { addedItemSchema, addItemBody, itemsSchema } from "./schema.ts";

const tags = ["データ項目"];

/**
 * The built-in items' 利用目的 (domain/items/catalog.ts). A rule version is
 * stored whole when first used, so a database whose built-in version was
 * stored before the purposes were written holds items without one; an item
 * that is the built-in one (same id and name) is shown with the built-in text
 * rather than （未記入）. A municipality's own purpose always wins.
 */
const BUILT_IN_PURPOSE = new Map(
  DEFAULT_CATALOG.items.map((i) => [`${i.id}\u0000${i.name}`, i.purpose]),
);

export const itemRoutes = createRouter()
  .openapi(
    policyRoute("rules.manage", {
      method: "get",
      path: "/",
      tags,
      summary: "データ項目の一覧（いま有効な規則の版の項目、目的と法的根拠）",
      responses: { 200: json(itemsSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const v = await findRuleVersion(
        c.get("deps").db,
        actor.municipalityId,
        { asOf: todayInJapan() },
        actor,
      );
      const r = v.rules;
      const sources = await loadSources(c.get("deps").db, actor.municipalityId);
      const sourceName = (id: string) => sources.find(id)?.name ?? id;
      return c.json(
        {
          version: v.label,
          effectiveFrom: v.effectiveFrom,
          catalogVersion: r.catalog.version,
          items: r.catalog.items.map((i) => ({
            id: i.id,
            name: i.name,
            level: i.level,
            sources: [...i.sources],
            criterionKind: i.criterion.kind,
            criterionText: describeCriterion(i.criterion, sourceName),
            criterion: i.criterion,
            basis: i.basis,
            purpose: i.purpose ?? BUILT_IN_PURPOSE.get(`${i.id}\u0000${i.name}`) ?? null,
            legalBasis: i.legalBasis ?? null,
            types: r.types.flatMap((t) =>
              t.items
                .filter((x) => x.itemId === i.id)
                .map((x) => ({
                  difficulty: t.difficulty,
                  name: DIFFICULTY_NAMES[t.difficulty],
                  weight: x.weight,
                })),
            ),
          })),
          legalBases: [...LEGAL_BASES],
          difficulties: DIFFICULTY_IDS.map((id) => ({ id, name: DIFFICULTY_NAMES[id] })),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("rules.manage", {
      method: "post",
      path: "/",
      tags,
      summary: "データ項目を追加する（困難の種類ごとの重みと共に、新しい規則の版として保存）",
      request: { body: jsonBody(addItemBody) },
      responses: { 200: json(addedItemSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const patch = parseRulePatch({
        version: body.version,
        items: [body.item],
        types: Object.fromEntries(
          Object.entries(body.weights ?? {}).map(([d, w]) => [
            d as DifficultyId,
            { weights: { [String(body.item.id)]: w } },
          ]),
        ),
      });
      // Checked against the sources and audited by saveRulePatch (rules.version).
      const r = await saveRulePatch(
        c.get("deps").db,
        actor.municipalityId,
        patch,
        { effectiveFrom: body.effectiveFrom as IsoDate, note: body.note },
        actor,
      );
      return c.json({ versionId: r.versionId, base: r.base, changes: r.changes }, 200);
    },
  );
