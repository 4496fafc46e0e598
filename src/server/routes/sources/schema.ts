import { z } from "@hono/zod-openapi";

const columnView = z.object({
  name: z.string(),
  type: z.string(),
  typeName: z.string(),
  required: z.boolean(),
  values: z.array(z.string()).nullable(),
});

const sourceView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  /** built_in: one of the 19 of layouts.md; extended: a built-in with the municipality's columns; own. */
  kind: z.enum(["built_in", "extended", "own"]),
  subject: z.enum(["person", "mother"]),
  identify: z.object({
    residentNo: z.string().nullable(),
    name: z.string().nullable(),
    birthDate: z.string().nullable(),
  }),
  eventDate: z.string().nullable(),
  columns: z.array(columnView),
});

export const sourcesSchema = z
  .object({
    sources: z.array(sourceView),
    columnTypes: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .openapi("SourceList");

/**
 * A declaration as the page sends it: either the object its form builds, or
 * the text of an uploaded file (YAML or JSON, the format of
 * docs/sources-and-items.md). Both are checked with the CLI's schema.
 */
export const declareBody = z
  .object({
    declaration: z.record(z.string(), z.unknown()).optional(),
    text: z
      .string()
      .max(1_000_000, "定義ファイルは 1 MB までです。")
      .optional()
      .openapi({ description: "定義ファイル（YAML・JSON）の中身" }),
    fileName: z.string().max(200).optional(),
  })
  .refine((b) => (b.declaration === undefined) !== (b.text === undefined), {
    message: "フォームの内容か定義ファイルのどちらか1つを送ってください。",
  })
  .openapi("SourceDeclarationBody");

export const declaredSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    replaced: z.boolean(),
    columns: z.number().int(),
    required: z.array(z.string()),
    eventDate: z.string().nullable(),
  })
  .openapi("DeclaredSource");

export const sourceIdParam = z.object({
  id: z.string().regex(/^[a-z0-9_]{2,40}$/, "取り込み元の ID が正しくありません。"),
});

export const removedSchema = z.object({ id: z.string() }).openapi("RemovedSource");
