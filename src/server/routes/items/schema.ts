import { z } from "@hono/zod-openapi";
import { DIFFICULTY_IDS } from "../../../domain/scoring/difficulties.ts";
import { calendarDay } from "../../openapi/calendar-date.ts";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "日付は YYYY-MM-DD で入力してください。")
  .superRefine(calendarDay);

export const itemsSchema = z
  .object({
    version: z.string(),
    effectiveFrom: z.string(),
    catalogVersion: z.string(),
    items: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        level: z.enum(["child", "household", "mother"]),
        sources: z.array(z.string()),
        criterionKind: z.string(),
        criterionText: z
          .string()
          .openapi({ description: "条件を文で述べたもの（画面の「条件」列）" }),
        criterion: z.unknown().openapi({ description: "判定の条件（定義ファイルと同じ形）" }),
        basis: z.string(),
        purpose: z.string().nullable(),
        legalBasis: z.string().nullable(),
        types: z.array(z.object({ difficulty: z.string(), name: z.string(), weight: z.number() })),
      }),
    ),
    legalBases: z.array(z.string()),
    difficulties: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .openapi("ItemCatalogView");

/**
 * A new item (the item format of docs/sources-and-items.md, checked with the
 * rule patch's schema), the types that use it with their weights, and the
 * version it is saved as.
 */
export const addItemBody = z
  .object({
    item: z.record(z.string(), z.unknown()),
    weights: z
      .partialRecord(
        z.enum(DIFFICULTY_IDS),
        z.number({ error: "重みは数値で入力してください。" }).finite(),
      )
      .optional(),
    version: z
      .string()
      .trim()
      .min(1, "新しい版の名前を入力してください。")
      .max(80, "版の名前は 80 文字までです。"),
    effectiveFrom: isoDate,
    note: z.string().trim().min(1, "変更の理由（メモ）を入力してください。").max(2000),
  })
  .openapi("AddItemBody");

export const addedItemSchema = z
  .object({
    versionId: z.number().int(),
    base: z.string(),
    changes: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
  })
  .openapi("AddedItem");
