import { z } from "@hono/zod-openapi";
import { MAX_MOVE_PAGE } from "../../../db/rule-preview.repository.ts";
import { DIFFICULTY_IDS } from "../../../domain/scoring/difficulties.ts";
import { TIE_BREAK_KEYS } from "../../../domain/scoring/rules.ts";
import { calendarDay } from "../../openapi/calendar-date.ts";
import { identity } from "../../openapi/identity.ts";
import { wholeNumber } from "../../openapi/whole-number.ts";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "日付は YYYY-MM-DD で入力してください。")
  .superRefine(calendarDay);

/** A change to the version in force, as the rules page makes it (docs/sources-and-items.md). */
export const rulePatchBody = z
  .object({
    version: z
      .string()
      .trim()
      .min(1, "新しい版の名前を入力してください。")
      .max(80, "版の名前は 80 文字までです。"),
    types: z
      .partialRecord(
        z.enum(DIFFICULTY_IDS),
        z.object({
          method: z.enum(["count", "weighted", "model"]).optional(),
          threshold: z.number({ error: "基準値は数値で入力してください。" }).finite().optional(),
          weights: z.record(z.string(), z.number().finite().nullable()).optional(),
          tieBreak: z
            .array(z.enum(TIE_BREAK_KEYS))
            .max(TIE_BREAK_KEYS.length)
            .optional()
            .openapi({ description: "同点のときの順（点数の次に使う並べ方、先頭から）" }),
        }),
      )
      .optional(),
    capacity: z
      .object({
        perMonth: z.number().int().min(1, "月に確認できる件数は 1 以上です。").optional(),
        unit: z.enum(["children", "households"]).optional(),
      })
      .optional(),
  })
  .openapi("RulePatch");

export const saveRulesBody = z
  .object({
    patch: rulePatchBody,
    effectiveFrom: isoDate,
    note: z.string().trim().min(1, "変更の理由（メモ）を入力してください。").max(2000),
  })
  .openapi("SaveRulesBody");

const changeSchema = z.object({ path: z.string(), before: z.unknown(), after: z.unknown() });

const typeSchema = z.object({
  difficulty: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  method: z.string(),
  threshold: z.number(),
  ages: z.object({ min: z.number(), max: z.number() }),
  tieBreak: z.array(z.object({ key: z.string(), name: z.string() })),
  items: z.array(z.object({ itemId: z.string(), name: z.string(), weight: z.number() })),
});

export const rulesOverviewSchema = z
  .object({
    current: z.object({
      label: z.string(),
      effectiveFrom: z.string(),
      note: z.string(),
      capacity: z.object({ perMonth: z.number(), unit: z.string() }),
      types: z.array(typeSchema),
      items: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          purpose: z.string().nullable(),
          legalBasis: z.string().nullable(),
        }),
      ),
    }),
    versions: z.array(
      z.object({
        label: z.string(),
        effectiveFrom: z.string(),
        note: z.string(),
        actor: z.string(),
        createdAt: z.string(),
      }),
    ),
    latestRun: z
      .object({ id: z.number().int(), asOf: z.string(), ruleVersion: z.string() })
      .nullable(),
  })
  .openapi("RulesOverview");

const countSchema = z.object({ children: z.number().int(), households: z.number().int() });

export const rulePreviewSchema = z
  .object({
    runId: z.number().int(),
    asOf: z.string(),
    baseVersion: z.string(),
    lines: z.array(
      z.object({
        difficulty: z.string(),
        name: z.string(),
        before: countSchema.nullable(),
        after: countSchema.nullable(),
        capacity: z.object({ perMonth: z.number(), unit: z.string() }),
        monthsOfWork: z.number().nullable(),
      }),
    ),
    changes: z.array(changeSchema),
  })
  .openapi("RulePreview");

export const savedRulesSchema = z
  .object({ versionId: z.number().int(), base: z.string(), changes: z.array(changeSchema) })
  .openapi("SavedRules");

export const diffQuery = z.object({
  a: z.string().min(1, "比べる版を選んでください。"),
  b: z.string().min(1, "比べる版を選んでください。"),
});

export const diffSchema = z.object({ changes: z.array(changeSchema) }).openapi("RuleDiff");

export const compareQuery = z.object({
  version: z.string().min(1, "比べる版を選んでください。"),
  run: wholeNumber("実行番号が正しくありません。").optional(),
});

export const compareSchema = z
  .object({
    runId: z.number().int(),
    asOf: z.string(),
    runVersion: z.string(),
    otherVersion: z.string(),
    types: z.array(
      z.object({
        difficulty: z.string(),
        name: z.string(),
        entering: z.number().int(),
        leaving: z.number().int(),
        staying: z.number().int(),
      }),
    ),
  })
  .openapi("RuleComparison");

export const movesBody = z
  .object({
    patch: rulePatchBody,
    difficulty: z
      .enum(DIFFICULTY_IDS)
      .optional()
      .openapi({ description: "一覧を見る類型（省略すると人数だけ）" }),
    direction: z
      .enum(["entering", "leaving"])
      .default("entering")
      .openapi({ description: "entering: 新たに対象になる、leaving: 対象から外れる" }),
    offset: z.number().int().min(0).default(0),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_MOVE_PAGE, `一度に見られるのは ${MAX_MOVE_PAGE} 人までです。`)
      .default(20),
  })
  .openapi("RuleMovesBody");

export const movesSchema = z
  .object({
    runId: z.number().int(),
    asOf: z.string(),
    baseVersion: z.string(),
    types: z.array(
      z.object({
        difficulty: z.string(),
        name: z.string(),
        entering: z.number().int().nullable(),
        leaving: z.number().int().nullable(),
      }),
    ),
    list: z
      .object({
        difficulty: z.string(),
        name: z.string(),
        direction: z.enum(["entering", "leaving"]),
        total: z.number().int(),
        offset: z.number().int(),
        limit: z.number().int(),
        rows: z.array(
          z.object({
            personId: z.string(),
            name: identity("name", z.string().nullable()),
            nameKana: identity("nameKana", z.string().nullable()),
            age: identity("age", z.number().int().nullable()),
            affiliation: z.string().nullable(),
            scoreBefore: z.number().nullable(),
            scoreAfter: z.number().nullable(),
          }),
        ),
      })
      .nullable(),
  })
  .openapi("RuleMoves");
