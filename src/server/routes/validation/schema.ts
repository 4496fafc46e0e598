import { z } from "@hono/zod-openapi";

export const validationParam = z.object({
  runId: z
    .string()
    .regex(/^(latest|[0-9]{1,9})$/, "実行番号は数字か latest で指定してください。")
    .openapi({ description: "判定実行の番号、または latest（最新の実行）" }),
});

const num = z.number().nullable().openapi({ description: "null: 計算できない（—）" });
const int = z.number().int();
const rate = z.object({ n: int, count: int, rate: num });

/** The validation report of a run as the 検証 page shows it (counts and statistics only). */
export const validationResponse = z
  .object({
    run: z
      .object({
        id: int,
        linkRunId: int,
        asOf: z.string(),
        ruleVersion: z.string(),
      })
      .nullable()
      .openapi({ description: "null: まだ判定の実行がない" }),
    municipality: z.string(),
    children: int,
    alpha: z.number(),
    councilHidden: z.boolean().openapi({
      description: "true: 要対協構成員でないため B01・B02 と虐待の抽出群を除いた報告",
    }),
    items: z.array(z.object({ id: z.string(), name: z.string() })),
    groups: z.array(
      z.object({
        difficulty: z.string(),
        name: z.string(),
        label: z.string(),
        populationLabel: z.string(),
        defining: z.array(z.string()),
        size: int,
        n: int,
      }),
    ),
    registerMissing: z.boolean(),
    review: z.array(
      z.object({
        difficulty: z.string(),
        itemId: z.string(),
        pilot: z.enum(["●", "◆", "–", ""]).nullable().openapi({
          description: "2024年度実証事業の結果（null: 実証事業では検定していない）",
        }),
        here: z.enum(["●", "◆", "–", ""]).nullable().openapi({
          description: "この自治体の結果（null: この実行では判定していない項目）",
        }),
        status: z.enum(["holds", "not_here", "untested", "new", "none"]),
        statusName: z.string(),
      }),
    ),
    validation: z.array(
      z.object({
        difficulty: z.string(),
        itemId: z.string(),
        a: int,
        b: int,
        c: int,
        d: int,
        expectedA: num,
        testUsed: z.string().nullable(),
        p: num,
        q: num,
        oddsRatio: num,
        orCiLow: num,
        orCiHigh: num,
        haldane: z.boolean(),
        excluded: z.boolean(),
        associated: z.boolean(),
        marker: z.enum(["●", "◆", "–", ""]),
      }),
    ),
    rules: z.array(
      z.object({
        difficulty: z.string(),
        name: z.string(),
        method: z.string(),
        threshold: z.number(),
        excludedItems: z.array(z.string()),
        n: int,
        positives: int,
        tp: int,
        fp: int,
        fn: int,
        tn: int,
        precision: num,
        recall: num,
        falsePositiveRate: num,
        auc: num,
        atCapacity: z.array(
          z.object({
            k: int,
            truePositives: z.number(),
            precision: num,
            recall: num,
            tiedAtCut: int,
          }),
        ),
        byScore: z.array(
          z.object({ score: z.number(), n: int, positives: int, observedRate: z.number() }),
        ),
        calibration: z
          .array(
            z.object({
              bin: int,
              n: int,
              minPredicted: z.number(),
              maxPredicted: z.number(),
              meanPredicted: z.number(),
              positives: int,
              observedRate: z.number(),
            }),
          )
          .nullable(),
      }),
    ),
    capacity: z.object({ perMonth: z.number(), unit: z.string() }).nullable(),
    funnel: z.array(
      z.object({
        runId: int,
        asOf: z.string(),
        difficulty: z.string(),
        name: z.string(),
        applicable: int,
        flagged: int,
        flagRate: num,
        listed: int,
        selected: int.nullable().openapi({ description: "null: 未記録" }),
        supportStarted: int.nullable().openapi({ description: "null: 未記録" }),
      }),
    ),
    decisionLabels: z
      .array(
        z.object({
          difficulty: z.string(),
          name: z.string(),
          n: int,
          decided: int,
          positives: int,
          decidedFlagged: int,
          atCapacity: z.array(z.object({ k: int, labelled: int, positives: int, precision: num })),
        }),
      )
      .openapi({
        description:
          "会議の判断をラベルにした上位 k 件の適合率（要支援 = 陽性、経過観察・支援不要 = 陰性、調査継続と未判断 = ラベルなし）",
      }),
    laterCouncil: z
      .object({
        laterRuns: int,
        rows: z.array(
          z.object({
            difficulty: z.string(),
            name: z.string(),
            flagged: int,
            flaggedLater: int,
            flaggedRate: num,
            unflagged: int,
            unflaggedLater: int,
            unflaggedRate: num,
          }),
        ),
      })
      .nullable()
      .openapi({ description: "のちの要対協登録。要対協の構成員でない利用者には null" }),
    fairnessGroups: z.array(
      z.object({ id: z.string(), label: z.string(), basis: z.string(), size: int }),
    ),
    fairness: z.array(
      z.object({
        difficulty: z.string(),
        name: z.string(),
        group: z.string(),
        inGroup: rate,
        rest: rate,
        flagRateRatio: num,
        fpInGroup: rate.nullable(),
        fpRest: rate.nullable(),
        fprRatio: num,
      }),
    ),
    modelCards: z.array(
      z.object({
        difficulty: z.string(),
        name: z.string(),
        kind: z.string(),
        label: z.string(),
        features: z.array(z.string()),
        trainedAsOf: z.string(),
        samples: int,
        positives: int,
        auc: num,
        precisionAtCapacity: num,
        recallAtCapacity: num,
        capacity: z.number(),
        terms: z.array(
          z.object({
            itemId: z.string(),
            coefficient: z.number(),
            oddsRatio: num,
            ciLow: num,
            ciHigh: num,
          }),
        ),
        notes: z.array(z.string()),
      }),
    ),
  })
  .openapi("ValidationReport");
