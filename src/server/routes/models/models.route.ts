/**
 * モデルの学習 (issue 14, 総括管理: permission `rules.manage`): for a
 * difficulty type, a logistic regression or a small tree trained on a label
 * the municipality chooses — 要対協 registration (B01), 一時保護 (B02), or the
 * conference decisions of the workflow (cases decided 要支援) — with k-fold
 * AUC and precision at the monthly capacity, odds ratios and the model card
 * (domain/scoring/model.ts). Training shows the card and saves nothing;
 * saving trains again (the same seed, the same card) and stores a rule
 * version that switches the type to `model`.
 *
 * 要対協: the labels B01/B02 are refused to non-members (403, audited), and a
 * non-member's model never uses B01/B02 as features; the conference label
 * leaves council cases out for them (db/model-label.repository.ts).
 */
import type { Context } from "hono";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createModelLabelRepository } from "../../../db/model-label.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { COUNCIL_ONLY_ITEMS } from "../../../domain/policy/index.ts";
import { DIFFICULTY_NAMES } from "../../../domain/scoring/difficulties.ts";
import type { LabelSpec, ModelCard } from "../../../domain/scoring/model.ts";
import type { IsoDate } from "../../../domain/types.ts";
import { findRuleVersion } from "../../../pipeline/rules.ts";
import { trainModelVersion, trainTypeModel } from "../../../pipeline/score.ts";
import type { AppEnv } from "../../app-env.ts";
import {
  actorOf,
  auditRefusal,
  createRouter,
  json,
  jsonBody,
  policyRoute,
  scopeOfRequest,
} from "../../openapi/route.ts";
import { todayInJapan } from "../rules/rules.route.ts";
import {
  labelsSchema,
  MODEL_LABEL_IDS,
  modelCardViewSchema,
  savedModelSchema,
  saveModelBody,
  trainBody,
} from "./schema.ts";

const tags = ["モデル"];

type LabelId = (typeof MODEL_LABEL_IDS)[number];

const LABELS: Readonly<Record<LabelId, { name: string; councilOnly: boolean }>> = {
  yotaikyo: { name: "要対協への登録（B01）", councilOnly: true },
  ichiji_hogo: { name: "一時保護歴（B02）", councilOnly: true },
  conference: { name: "会議の判断「要支援」（ケースの記録）", councilOnly: false },
};

/** The training options of a request: label, positives, features — refusing what the user may not use. */
async function trainingInput(
  c: Context<AppEnv>,
  body: { label: LabelId },
): Promise<{ label: LabelSpec; positives?: string[]; features?: string[] }> {
  const scope = scopeOfRequest(c);
  const meta = LABELS[body.label];
  if (meta.councilOnly && !scope.council) {
    await auditRefusal(c, { reason: "scope", target: `label:${body.label}` });
    throw new MimamoriError(
      "forbidden",
      "要対協・一時保護の情報を正解ラベルにできるのは、要対協の構成員だけです。会議の判断を正解ラベルにしてください。",
    );
  }
  const actor = actorOf(c);
  const current = await findRuleVersion(
    c.get("deps").db,
    actor.municipalityId,
    { asOf: todayInJapan() },
    actor,
  );
  // A non-member's model must not learn from (nor show odds ratios of) 要対協 facts.
  const features = scope.council
    ? undefined
    : current.rules.catalog.items.map((i) => i.id).filter((id) => !COUNCIL_ONLY_ITEMS.includes(id));
  const withFeatures = features ? { features } : {};
  if (body.label === "yotaikyo") return { label: { kind: "item", itemId: "B01" }, ...withFeatures };
  if (body.label === "ichiji_hogo")
    return { label: { kind: "item", itemId: "B02" }, ...withFeatures };
  const { positives } = await createModelLabelRepository(c.get("deps").db).conferenceSupport(scope);
  if (positives.length === 0) {
    throw new MimamoriError(
      "invalid_input",
      "会議で「要支援」と判断されたこどもがまだいません。ケースの判断が記録されてから学習してください。",
    );
  }
  return { label: { kind: "external", name: LABELS.conference.name }, positives, ...withFeatures };
}

function cardView(
  card: ModelCard,
  labelId: LabelId,
  baseVersion: string,
  names: ReadonlyMap<string, string>,
) {
  return {
    difficulty: card.difficulty,
    difficultyName: DIFFICULTY_NAMES[card.difficulty],
    kind: card.kind,
    label: labelId,
    labelName: LABELS[labelId].name,
    trainedAsOf: card.trainedAsOf,
    baseVersion,
    samples: card.samples,
    positives: card.positives,
    validation: {
      folds: card.validation.folds,
      auc: card.validation.auc,
      aucByFold: [...card.validation.aucByFold],
      capacity: card.validation.capacity,
      precisionAtCapacity: card.validation.precisionAtCapacity,
      recallAtCapacity: card.validation.recallAtCapacity,
      tiedAtCut: card.validation.tiedAtCut,
    },
    terms: (card.logistic?.terms ?? [])
      .map((t) => ({
        itemId: t.itemId,
        name: names.get(t.itemId) ?? t.itemId,
        coefficient: t.coefficient,
        oddsRatio: t.oddsRatio,
        ciLow: t.ciLow,
        ciHigh: t.ciHigh,
      }))
      .sort((a, b) => b.oddsRatio - a.oddsRatio),
    intercept: card.logistic?.intercept ?? null,
    tree: card.tree ?? null,
    features: [...card.features],
    notes: [...card.notes],
  };
}

export const modelRoutes = createRouter()
  .openapi(
    policyRoute("rules.manage", {
      method: "get",
      path: "/labels",
      tags,
      summary: "学習に使える正解ラベル（要対協の情報は構成員のみ）",
      responses: { 200: json(labelsSchema) },
    }),
    async (c) => {
      const council = scopeOfRequest(c).council;
      return c.json(
        {
          labels: MODEL_LABEL_IDS.filter((id) => council || !LABELS[id].councilOnly).map((id) => ({
            id,
            name: LABELS[id].name,
            councilOnly: LABELS[id].councilOnly,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("rules.manage", {
      method: "post",
      path: "/train",
      tags,
      summary: "モデルを学習してモデルカードを表示（保存しない）",
      request: { body: jsonBody(trainBody) },
      responses: { 200: json(modelCardViewSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const input = await trainingInput(c, body);
      const db = c.get("deps").db;
      const trained = await trainTypeModel(db, {
        municipalityId: actor.municipalityId,
        difficulty: body.difficulty,
        kind: body.kind,
        actor,
        ...input,
      });
      await createAuditRepository(db).append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "models.train",
        target: null,
        detail: {
          difficulty: body.difficulty,
          kind: body.kind,
          label: body.label,
          samples: trained.card.samples,
          positives: trained.card.positives,
          auc: trained.card.validation.auc,
        },
      });
      const names = new Map(trained.rules.catalog.items.map((i) => [i.id, i.name]));
      return c.json(cardView(trained.card, body.label, trained.base.label, names), 200);
    },
  )
  .openapi(
    policyRoute("rules.manage", {
      method: "post",
      path: "/",
      tags,
      summary: "モデルを学習し、種類の方式をモデルにした新しい規則の版として保存",
      request: { body: jsonBody(saveModelBody) },
      responses: { 200: json(savedModelSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const input = await trainingInput(c, body);
      const db = c.get("deps").db;
      // Audited by saveRuleVersion (rules.version).
      const { versionId, card } = await trainModelVersion(
        { db, url: "" },
        {
          municipalityId: actor.municipalityId,
          difficulty: body.difficulty,
          kind: body.kind,
          actor,
          versionLabel: body.version,
          effectiveFrom: body.effectiveFrom as IsoDate,
          switchToModel: { threshold: body.threshold },
          ...input,
        },
      );
      const v = await findRuleVersion(db, actor.municipalityId, { label: body.version }, actor);
      const names = new Map(v.rules.catalog.items.map((i) => [i.id, i.name]));
      return c.json({ versionId, card: cardView(card, body.label, v.label, names) }, 200);
    },
  );
