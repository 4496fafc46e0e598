import { z } from "@hono/zod-openapi";
import { calendarDay } from "../../openapi/calendar-date.ts";
import { pageSize, wholeNumber } from "../../openapi/whole-number.ts";

/** Starting a monthly run: optionally the 基準日 (default: the newest 抽出日 of the imports). */
export const startRunBody = z
  .object({
    asOf: z
      .string()
      .regex(
        /^\d{4}-\d{2}-\d{2}$/,
        "基準日は YYYY-MM-DD の形で入力してください（例: 2026-04-01）。",
      )
      .superRefine(calendarDay)
      .optional()
      .openapi({ description: "基準日（省略時は取り込みデータの最新の抽出日）" }),
  })
  .openapi("StartRunBody");

export const runIdParam = z.object({
  id: wholeNumber("実行番号が正しくありません。").openapi({ param: { name: "id", in: "path" } }),
});

export const runsQuery = z.object({
  limit: pageSize(100, 20).openapi({ description: "件数（最大 100）" }),
});

const stageSchema = z.object({
  id: z.string(),
  name: z.string().openapi({ description: "段階の日本語名" }),
  state: z.enum(["pending", "running", "done", "failed"]),
  /** Counts of a stage done (非構成員には要対協の事実を含みうる件数を除く). */
  counts: z.record(z.string(), z.number()).nullable(),
});

export const runJobSchema = z
  .object({
    id: z.number().int(),
    state: z.enum(["running", "succeeded", "failed"]),
    stage: z.string().nullable(),
    stages: z.array(stageSchema),
    asOf: z.string().nullable(),
    actor: z.string(),
    origin: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
    linkRunId: z.number().int().nullable(),
    scoreRunId: z.number().int().nullable(),
  })
  .openapi("RunJob");

export const runListSchema = z
  .object({
    jobs: z.array(runJobSchema),
    /** The job running now, if any (one at a time per municipality). */
    running: runJobSchema.nullable(),
  })
  .openapi("RunJobList");

export type RunJobView = z.infer<typeof runJobSchema>;
export type RunJobListView = z.infer<typeof runListSchema>;
