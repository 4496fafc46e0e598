import { z } from "zod";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "抽出日は YYYY-MM-DD の形式で指定してください。");

/** Query of an upload: the file's name, and optionally its as-of date and source. */
export const uploadQuery = z.object({
  fileName: z
    .string()
    .trim()
    .min(1, "ファイル名がありません。")
    .max(255, "ファイル名が長すぎます。")
    .regex(/^[^/\\\0]+$/, "ファイル名に使えない文字が含まれています。"),
  asOf: isoDate.optional(),
  source: z
    .string()
    .regex(/^[a-z_]{2,40}$/, "取り込み元の指定が正しくありません。")
    .optional(),
});

export const snapshotParam = z.object({
  id: z.coerce.number().int().positive("番号が正しくありません。"),
});

export const rejectionsQuery = z.object({
  afterRow: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** Manual entry of rows held on paper: canonical column name → text, per row. */
export const manualBody = z.object({
  source: z.string().regex(/^[a-z_]{2,40}$/, "取り込み元の指定が正しくありません。"),
  asOf: isoDate,
  label: z.string().trim().max(100).optional(),
  rows: z
    .array(z.record(z.string().max(40), z.string().max(1000)))
    .min(1, "1 行以上入力してください。")
    .max(500, "一度に入力できるのは 500 行までです。"),
});
