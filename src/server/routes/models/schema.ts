import { z } from "@hono/zod-openapi";
import { DIFFICULTY_IDS } from "../../../domain/scoring/difficulties.ts";
import { calendarDay } from "../../openapi/calendar-date.ts";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "日付は YYYY-MM-DD で入力してください。")
  .superRefine(calendarDay);

/** Labels offered on the models page (MODEL_LABELS in models.route.ts). */
export const MODEL_LABEL_IDS = ["yotaikyo", "ichiji_hogo", "conference"] as const;

export const trainBody = z
  .object({
    difficulty: z.enum(DIFFICULTY_IDS, { error: "困難の種類を選んでください。" }),
    kind: z.enum(["logistic", "tree"], { error: "モデルの種類を選んでください。" }),
    label: z.enum(MODEL_LABEL_IDS, { error: "正解ラベルを選んでください。" }),
  })
  .openapi("TrainModelBody");

export const saveModelBody = trainBody
  .extend({
    version: z
      .string()
      .trim()
      .min(1, "新しい版の名前を入力してください。")
      .max(80, "版の名前は 80 文字までです。"),
    effectiveFrom: isoDate,
    threshold: z
      .number({ error: "基準値は 0 と 1 の間の確率で入力してください。" })
      .gt(0, "基準値は 0 より大きい確率にしてください。")
      .lt(1, "基準値は 1 より小さい確率にしてください。"),
  })
  .openapi("SaveModelBody");

const num = z.number().nullable();

const cardTree: z.ZodType<unknown> = z.unknown().openapi({ description: "決定木（モデルカード）" });

export const modelCardViewSchema = z
  .object({
    difficulty: z.string(),
    difficultyName: z.string(),
    kind: z.enum(["logistic", "tree"]),
    label: z.string(),
    labelName: z.string(),
    trainedAsOf: z.string(),
    baseVersion: z.string(),
    samples: z.number().int(),
    positives: z.number().int(),
    validation: z.object({
      folds: z.number().int(),
      auc: num,
      aucByFold: z.array(num),
      capacity: z.number(),
      precisionAtCapacity: num,
      recallAtCapacity: num,
      tiedAtCut: z.number().int(),
    }),
    terms: z.array(
      z.object({
        itemId: z.string(),
        name: z.string(),
        coefficient: z.number(),
        oddsRatio: z.number(),
        ciLow: z.number(),
        ciHigh: z.number(),
      }),
    ),
    intercept: num,
    tree: cardTree.nullable(),
    features: z.array(z.string()),
    notes: z.array(z.string()),
  })
  .openapi("ModelCardView");

export const labelsSchema = z
  .object({
    labels: z.array(z.object({ id: z.string(), name: z.string(), councilOnly: z.boolean() })),
  })
  .openapi("ModelLabels");

export const savedModelSchema = z
  .object({ versionId: z.number().int(), card: modelCardViewSchema })
  .openapi("SavedModel");
