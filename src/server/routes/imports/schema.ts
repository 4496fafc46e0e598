import { z } from "@hono/zod-openapi";
import { calendarDay } from "../../openapi/calendar-date.ts";
import { pageSize, wholeNumber } from "../../openapi/whole-number.ts";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "抽出日は YYYY-MM-DD の形式で指定してください。")
  .superRefine(calendarDay);

/** A path separator or a bidirectional formatting mark (LRM, RLM, embeddings, overrides, isolates). */
const UNSAFE_IN_NAME = /[/\\\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** C0 and C1 control characters and DEL (a tab or line break in a name shown in a table). */
function hasControlCharacter(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Query of an upload: the file's name, and optionally its as-of date and source. */
export const uploadQuery = z.object({
  fileName: z
    .string()
    .trim()
    .min(1, "ファイル名がありません。")
    .max(255, "ファイル名が長すぎます。")
    // No path (/ or \), no control characters, and no bidirectional formatting
    // marks: "jumin\u202Evsc.csv" would show in the import history and the audit
    // log as another name than the one stored. A name of dots only is no name.
    .refine(
      (s) => !UNSAFE_IN_NAME.test(s) && !hasControlCharacter(s),
      "ファイル名に使えない文字（/ や \\、制御文字、文字の向きを変える記号）が含まれています。",
    )
    .refine((s) => !/^\.+$/.test(s), "ファイル名に使えない文字（. だけの名前）です。"),
  asOf: isoDate.optional(),
  source: z
    .string()
    .regex(/^[a-z_]{2,40}$/, "取り込み元の指定が正しくありません。")
    .optional(),
  dryRun: z
    .enum(["true", "false"], "dryRun は true か false で指定してください。")
    .optional()
    .openapi({ description: "true: 検証だけして保存せず、置き換わる版を返す（status: preview）" }),
  confirmReplace: z
    .string()
    .regex(/^(\d+(,\d+)*)?$/, "confirmReplace は取込番号のカンマ区切りで指定してください。")
    .optional()
    .openapi({
      description:
        "確認済みの置き換え（preview の wouldReplace の id をカンマ区切り。なければ空）。これ以外の版が置き換わる場合は保存せず status: preview（reason: confirmation_needed）を返す",
    }),
});

export const snapshotParam = z.object({
  id: wholeNumber("取込の番号が正しくありません。取込の履歴から開き直してください。"),
});

export const rejectionsQuery = z.object({
  afterRow: wholeNumber("行番号は 0 以上の整数で指定してください。", 0)
    .optional()
    .transform((n) => n ?? 0),
  limit: pageSize(1000, 200).openapi({ description: "1 ページの件数（最大 1000）" }),
});

/** Manual entry of rows held on paper: canonical column name → text, per row. */
export const manualBody = z
  .object({
    source: z.string().regex(/^[a-z_]{2,40}$/, "取り込み元の指定が正しくありません。"),
    asOf: isoDate,
    label: z.string().trim().max(100).optional(),
    rows: z
      .array(z.record(z.string().max(40), z.string().max(1000)))
      .min(1, "1 行以上入力してください。")
      .max(500, "一度に入力できるのは 500 行までです。"),
  })
  .openapi("ManualEntryBody");

export const sourceViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    columns: z.array(
      z.object({
        name: z.string(),
        required: z.boolean(),
        kind: z.string(),
        options: z.array(z.string()).optional(),
      }),
    ),
  })
  .openapi("SourceLayout");

export const snapshotViewSchema = z
  .object({
    id: z.number().int(),
    sourceId: z.string(),
    sourceName: z.string(),
    version: z.number().int(),
    asOf: z.string().nullable(),
    fileName: z.string(),
    format: z.string(),
    encoding: z.string().nullable(),
    manual: z.boolean(),
    rowsRead: z.number().int(),
    rowsStored: z.number().int(),
    rowsRejected: z.number().int(),
    importedAt: z.string(),
    actor: z.string(),
    supersededBy: z.number().int().nullable(),
  })
  .openapi("Snapshot");

const replacedSchema = z
  .object({
    id: z.number().int(),
    version: z.number().int(),
    fileName: z.string(),
    asOf: z.string().nullable(),
    rowsStored: z.number().int(),
    rowsRejected: z.number().int(),
    importedAt: z.string(),
    actor: z.string(),
    manual: z.boolean(),
  })
  .openapi("ReplacedSnapshot");

const rejectionSchema = z.object({
  row: z.number().int(),
  line: z.number().int(),
  column: z.string().nullable(),
  value: z.string(),
  reason: z.string(),
});

export const importReportSchema = z
  .discriminatedUnion("status", [
    z.object({
      status: z.literal("imported"),
      fileName: z.string(),
      seconds: z.number(),
      sourceId: z.string(),
      sourceName: z.string(),
      snapshotId: z.number().int(),
      version: z.number().int(),
      asOf: z.string().nullable(),
      format: z.string(),
      encoding: z.string().nullable(),
      rowsRead: z.number().int(),
      rowsStored: z.number().int(),
      rowsRejected: z.number().int(),
      rejections: z.array(rejectionSchema),
      rejectionsOmitted: z.number().int(),
      notes: z.array(z.string()),
      superseded: z.array(z.number().int()),
      replaced: z.array(replacedSchema),
    }),
    z.object({
      status: z.literal("preview"),
      reason: z.enum(["dry_run", "confirmation_needed"]),
      fileName: z.string(),
      seconds: z.number(),
      sourceId: z.string(),
      sourceName: z.string(),
      asOf: z.string().nullable(),
      format: z.string(),
      encoding: z.string().nullable(),
      rowsRead: z.number().int(),
      rowsStored: z.number().int(),
      rowsRejected: z.number().int(),
      rejections: z.array(rejectionSchema),
      rejectionsOmitted: z.number().int(),
      notes: z.array(z.string()),
      wouldReplace: z.array(replacedSchema),
    }),
    z.object({
      status: z.literal("duplicate"),
      fileName: z.string(),
      seconds: z.number(),
      sourceId: z.string(),
      sourceName: z.string(),
      snapshotId: z.number().int(),
      version: z.number().int(),
      asOf: z.string().nullable(),
      importedAt: z.string(),
    }),
    z.object({
      status: z.literal("failed"),
      fileName: z.string(),
      seconds: z.number(),
      message: z.string(),
      details: z.array(z.string()),
      sourceId: z.string().optional(),
      rowsRead: z.number().int().optional(),
      rowsRejected: z.number().int().optional(),
      rejections: z.array(rejectionSchema).optional(),
      format: z.string().optional(),
    }),
  ])
  .openapi("ImportReport");

export const rejectedRowSchema = z.object({
  row: z.number().int(),
  line: z.number().int(),
  errors: z.array(
    z.object({ column: z.string().nullable(), value: z.string(), reason: z.string() }),
  ),
});

/** Correction of one manual entry: the corrected rows (replace the entry's rows). */
export const correctBody = z
  .object({
    asOf: isoDate.optional(),
    rows: manualBody.shape.rows,
  })
  .openapi("ManualCorrectionBody");

export const historyQuery = z.object({
  source: z
    .string()
    .regex(/^[a-z_]{2,40}$/, "取り込み元の指定が正しくありません。")
    .optional(),
});

const historyLinkSchema = z.object({
  snapshotId: z.number().int(),
  version: z.number().int(),
  fileName: z.string(),
  kind: z.enum(["replace", "correct"]),
  at: z.string(),
  actor: z.string(),
  undoneAt: z.string().nullable(),
  undoneBy: z.string().nullable(),
});

export const historySchema = z
  .array(
    z.object({
      sourceId: z.string(),
      sourceName: z.string(),
      versions: z.array(
        z.object({
          id: z.number().int(),
          version: z.number().int(),
          asOf: z.string().nullable(),
          fileName: z.string(),
          manual: z.boolean(),
          rowsRead: z.number().int(),
          rowsStored: z.number().int(),
          rowsRejected: z.number().int(),
          importedAt: z.string(),
          actor: z.string(),
          current: z.boolean(),
          replacedBy: z.number().int().nullable(),
          replaced: z.array(historyLinkSchema),
          canUndo: z.boolean(),
        }),
      ),
    }),
  )
  .openapi("ImportHistory");

export const undoResultSchema = z
  .object({ sourceId: z.string(), restored: z.array(replacedSchema) })
  .openapi("ImportUndoResult");
