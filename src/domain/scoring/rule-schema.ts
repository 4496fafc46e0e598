/**
 * Validation of a rule set from outside (a municipality's edited JSON/YAML,
 * or one read back from the database): the shape, then the cross-references
 * a shape cannot check — items a type uses exist in its catalog, a `model`
 * type has a card built on this catalog, and a card never uses its label's
 * own item as a feature. Every problem is reported at once, in Japanese.
 */
import { z } from "zod";
import { MimamoriError } from "../errors.ts";
import type { ItemCatalog } from "../items/catalog.ts";
import { catalogProblems, catalogSchema, itemDefSchema } from "../items/schema.ts";
import { BUILT_IN_SOURCES, type Sources } from "../layouts.ts";
import type { IsoDate } from "../types.ts";
import { japaneseIssueMessage } from "../zod-messages.ts";
import { DIFFICULTY_IDS, DIFFICULTY_NAMES } from "./difficulties.ts";
import type { CardTree, ModelCard } from "./model.ts";
import { OUTCOMES, type RuleSet, TIE_BREAK_KEYS } from "./rules.ts";
import type { RuleVersion } from "./versions.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/) as unknown as z.ZodType<IsoDate>;
const difficulty = z.enum(DIFFICULTY_IDS);
const nullableNumber = z.number().nullable();

const cardTree: z.ZodType<CardTree> = z.lazy(() =>
  z.union([
    z.strictObject({
      kind: z.literal("leaf"),
      n: z.number().int().min(0),
      positives: z.number().int().min(0),
      probability: z.number().min(0).max(1),
    }),
    z.strictObject({
      kind: z.literal("split"),
      itemId: z.string(),
      n: z.number().int().min(0),
      positives: z.number().int().min(0),
      probability: z.number().min(0).max(1),
      yes: cardTree,
      no: cardTree,
    }),
  ]),
);

export const modelCardSchema: z.ZodType<ModelCard> = z.strictObject({
  version: z.literal(1),
  kind: z.enum(["logistic", "tree"]),
  difficulty,
  label: z.union([
    z.strictObject({ kind: z.literal("item"), itemId: z.string() }),
    z.strictObject({ kind: z.literal("external"), name: z.string().min(1) }),
  ]),
  features: z.array(z.string()),
  catalogVersion: z.string(),
  trainedAsOf: isoDate,
  samples: z.number().int().min(0),
  positives: z.number().int().min(0),
  logistic: z
    .strictObject({
      intercept: z.number(),
      lambda: z.number().min(0),
      converged: z.boolean(),
      iterations: z.number().int().min(0),
      terms: z.array(
        z.strictObject({
          itemId: z.string(),
          coefficient: z.number(),
          standardError: z.number(),
          oddsRatio: z.number(),
          ciLow: z.number(),
          ciHigh: z.number(),
        }),
      ),
    })
    .optional(),
  tree: cardTree.optional(),
  validation: z.strictObject({
    folds: z.number().int().min(2),
    seed: z.number().int(),
    auc: nullableNumber,
    aucByFold: z.array(nullableNumber),
    capacity: z.number().int().min(0),
    precisionAtCapacity: nullableNumber,
    recallAtCapacity: nullableNumber,
    tiedAtCut: z.number().int().min(0),
  }),
  notes: z.array(z.string()),
});

const typeRule = z.strictObject({
  difficulty,
  enabled: z.boolean(),
  method: z.enum(["count", "weighted", "model"]),
  items: z.array(
    z.strictObject({ itemId: z.string(), weight: z.number().finite(), basis: z.string() }),
  ),
  threshold: z.number().finite(),
  ages: z.strictObject({ min: z.number().int().min(0), max: z.number().int().max(18) }),
  model: modelCardSchema.nullable(),
  basis: z.string(),
  tieBreak: z
    .array(z.enum(TIE_BREAK_KEYS))
    .max(TIE_BREAK_KEYS.length)
    .refine((k) => new Set(k).size === k.length, "同点のときの順に同じ並べ方が2回あります。")
    .refine(
      (k) => !(k.includes("younger") && k.includes("older")),
      "年齢の低い順と高い順は同時に使えません。",
    )
    .optional(),
});

const exclusion = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  name: z.string().min(1),
  criterion: itemDefSchema.shape.criterion,
  basis: z.string(),
});

export const ruleSetSchema = z.strictObject({
  version: z.string().min(1),
  catalog: catalogSchema,
  types: z.array(typeRule),
  exclusions: z.array(exclusion),
  decisions: z.strictObject({
    reviewMonths: z.strictObject(
      Object.fromEntries(OUTCOMES.map((o) => [o, z.number().int().min(0).nullable()])) as Record<
        (typeof OUTCOMES)[number],
        z.ZodNullable<z.ZodNumber>
      >,
    ),
  }),
  capacity: z.strictObject({
    perMonth: z.number().int().min(1),
    unit: z.enum(["children", "households"]),
  }),
});

function cardProblems(card: ModelCard, catalog: ItemCatalog, where: string): string[] {
  const out: string[] = [];
  const ids = new Set(catalog.items.map((i) => i.id));
  if (card.catalogVersion !== catalog.version) {
    out.push(
      `${where}: モデルはデータ項目の定義 ${card.catalogVersion} で学習されています（現在 ${catalog.version}）。学習し直してください。`,
    );
  }
  for (const f of card.features) {
    if (!ids.has(f)) out.push(`${where}: モデルの特徴量 ${f} がデータ項目の定義にありません。`);
  }
  if (card.label.kind === "item" && card.features.includes(card.label.itemId)) {
    out.push(`${where}: 正解ラベルの項目 ${card.label.itemId} を特徴量に使うことはできません。`);
  }
  if (!card.logistic && !card.tree) out.push(`${where}: モデルに係数も決定木もありません。`);
  return out;
}

/** Cross-reference problems of a well-formed rule set, in Japanese. */
export function ruleSetProblems(rules: RuleSet, sources: Sources = BUILT_IN_SOURCES): string[] {
  const out = catalogProblems(rules.catalog, sources);
  const ids = new Set(rules.catalog.items.map((i) => i.id));
  const seen = new Set<string>();
  for (const t of rules.types) {
    const where = `${DIFFICULTY_NAMES[t.difficulty]}（${t.difficulty}）`;
    if (seen.has(t.difficulty)) out.push(`${where}: 規則が2つあります。`);
    seen.add(t.difficulty);
    if (t.ages.min > t.ages.max) out.push(`${where}: 年齢の下限が上限より大きくなっています。`);
    for (const it of t.items) {
      if (!ids.has(it.itemId))
        out.push(`${where}: 項目 ${it.itemId} がデータ項目の定義にありません。`);
    }
    if (t.model) {
      if (t.model.difficulty !== t.difficulty) {
        out.push(`${where}: モデルは ${t.model.difficulty} のものです。`);
      }
      out.push(...cardProblems(t.model, rules.catalog, where));
    }
    if (t.method === "model") {
      if (!t.model) out.push(`${where}: 方式が model ですが学習済みモデルがありません。`);
      if (!(t.threshold > 0 && t.threshold < 1)) {
        out.push(
          `${where}: 方式 model の基準値は 0 と 1 の間の確率にしてください（${t.threshold}）。`,
        );
      }
    } else if (t.items.length === 0 && t.enabled) {
      out.push(`${where}: 項目がありません。`);
    }
  }
  const exclusionIds = new Set<string>();
  for (const e of rules.exclusions) {
    if (exclusionIds.has(e.id)) out.push(`除外条件 ${e.id}: ID が重複しています。`);
    exclusionIds.add(e.id);
    out.push(
      ...catalogProblems(
        {
          version: rules.catalog.version,
          items: [
            {
              id: "X",
              name: e.name,
              level: "child",
              sources: [],
              criterion: e.criterion,
              basis: "",
            },
          ],
        },
        sources,
      ).map((p) => p.replace(/^項目 X/, `除外条件 ${e.id}`)),
    );
  }
  return out;
}

/** A rule set from untrusted data; throws `invalid_input` listing every problem. */
export function parseRuleSet(value: unknown, sources: Sources = BUILT_IN_SOURCES): RuleSet {
  const parsed = ruleSetSchema.safeParse(value);
  if (!parsed.success) {
    throw new MimamoriError(
      "invalid_input",
      "規則の形が正しくありません。次の箇所を直してください。",
      parsed.error.issues.map((i) => `${i.path.join(".") || "(全体)"}: ${japaneseIssueMessage(i)}`),
    );
  }
  const rules = parsed.data as RuleSet;
  const problems = ruleSetProblems(rules, sources);
  if (problems.length > 0) {
    throw new MimamoriError(
      "invalid_input",
      "規則に誤りがあります。次の箇所を直してください。",
      problems,
    );
  }
  return rules;
}

export const ruleVersionSchema = z.strictObject({
  id: z.string().min(1),
  effectiveFrom: isoDate,
  note: z.string(),
  rules: ruleSetSchema,
});

/** A rule version from untrusted data (same checks as {@link parseRuleSet}). */
export function parseRuleVersion(value: unknown, sources: Sources = BUILT_IN_SOURCES): RuleVersion {
  const parsed = ruleVersionSchema.safeParse(value);
  if (!parsed.success) {
    throw new MimamoriError(
      "invalid_input",
      "規則の版の形が正しくありません。次の箇所を直してください。",
      parsed.error.issues.map((i) => `${i.path.join(".") || "(全体)"}: ${japaneseIssueMessage(i)}`),
    );
  }
  const v = parsed.data as RuleVersion;
  const problems = ruleSetProblems(v.rules, sources);
  if (problems.length > 0) {
    throw new MimamoriError(
      "invalid_input",
      "規則に誤りがあります。次の箇所を直してください。",
      problems,
    );
  }
  return v;
}
