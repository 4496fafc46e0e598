import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "@hono/zod-openapi";
import { createImportRepository } from "../../../db/import.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { findLayout, LAYOUTS } from "../../../domain/layouts.ts";
import type { IsoDate, SourceId } from "../../../domain/types.ts";
import { type ImportReport, importFile, importManualRows } from "../../../pipeline/import.ts";
import type { ImportReportView, SourceView } from "../../api-types.ts";
import {
  actorOf,
  createRouter,
  json,
  jsonBody,
  policyRoute,
  refuseAsNotFound,
} from "../../openapi/route.ts";
import {
  importReportSchema,
  manualBody,
  rejectedRowSchema,
  rejectionsQuery,
  snapshotParam,
  snapshotViewSchema,
  sourceViewSchema,
  uploadQuery,
} from "./schema.ts";

/** Largest upload accepted (a year of a city's attendance is far below this). */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

const sources: SourceView[] = LAYOUTS.map((l) => ({
  id: l.id,
  name: l.name,
  columns: l.columns.map((c) => ({
    name: c.name,
    required: c.required,
    kind: c.type.kind,
    ...(c.type.kind === "enum" ? { options: [...c.type.enumeration.values] } : {}),
  })),
}));

const tags = ["データ取込"];

export const importRoutes = createRouter()
  .openapi(
    policyRoute("data.import", {
      method: "get",
      path: "/sources",
      tags,
      summary: "取り込めるデータの種類と列",
      responses: { 200: json(z.array(sourceViewSchema)) },
    }),
    (c) => c.json(sources, 200),
  )
  .openapi(
    policyRoute("data.import", {
      method: "get",
      path: "/",
      tags,
      summary: "取込の履歴",
      responses: { 200: json(z.array(snapshotViewSchema)) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const list = await createImportRepository(c.get("deps").db).listSnapshots(
        actor.municipalityId,
      );
      return c.json(
        list.map(({ contentHash: _, ...s }) => ({
          ...s,
          sourceName: findLayout(s.sourceId)?.name ?? s.sourceId,
          importedAt: s.importedAt.toISOString(),
        })),
        200,
      );
    },
  )
  .openapi(
    policyRoute("data.import", {
      method: "get",
      path: "/{id}/rejections",
      tags,
      summary: "取り込めなかった行（行番号順、キーセットページング）",
      request: { params: snapshotParam, query: rejectionsQuery },
      responses: { 200: json(z.array(rejectedRowSchema)) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      const repo = createImportRepository(c.get("deps").db);
      if (!(await repo.findSnapshot(actor.municipalityId, id))) {
        return refuseAsNotFound(c, `import_snapshot:${id}`, "指定された取込はありません。");
      }
      const rows = await repo.listRejectedRows(actor.municipalityId, id, {
        afterRow: q.afterRow,
        limit: q.limit,
      });
      return c.json(
        rows.map((r) => ({ row: r.rowNo, line: r.lineNo, errors: [...r.errors] })),
        200,
      );
    },
  )
  /**
   * Upload: the request body is the file itself (no multipart), streamed to a
   * private temporary file and imported from there, so a large export never sits
   * in memory. The report is the same as the CLI's.
   */
  .openapi(
    policyRoute("data.import", {
      method: "post",
      path: "/",
      tags,
      summary: "ファイルの取込（本文がファイルそのもの。上限 2 GB）",
      request: {
        query: uploadQuery,
        body: {
          required: true,
          content: {
            "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) },
          },
        },
      },
      responses: { 200: json(importReportSchema, "取込の結果（失敗も含む）") },
    }),
    async (c) => {
      const actor = actorOf(c);
      const q = c.req.valid("query");
      const body = c.req.raw.body;
      if (!body) throw new MimamoriError("invalid_input", "ファイルが送信されていません。");
      const dir = await mkdtemp(join(tmpdir(), "mimamori-upload-"));
      const path = join(dir, "upload");
      try {
        let size = 0;
        const limit = new Transform({
          transform(chunk: Buffer, _enc, done) {
            size += chunk.length;
            if (size > MAX_UPLOAD_BYTES)
              done(
                new MimamoriError(
                  "invalid_input",
                  "ファイルが大きすぎます（上限 2 GB）。分割して取り込んでください。",
                ),
              );
            else done(null, chunk);
          },
        });
        await pipeline(
          Readable.fromWeb(body as import("node:stream/web").ReadableStream),
          limit,
          createWriteStream(path, { mode: 0o600 }),
        );
        if (size === 0) throw new MimamoriError("invalid_input", "空のファイルは取り込めません。");
        const deps = c.get("deps");
        const report = await importFile({ db: deps.db, url: deps.databaseUrl }, path, {
          municipalityId: actor.municipalityId,
          actor: { userId: actor.userId, loginName: actor.loginName },
          fileName: q.fileName,
          ...(q.asOf ? { asOf: q.asOf as IsoDate } : {}),
          ...(q.source ? { source: q.source as SourceId } : {}),
          maxRejectionsInReport: 1000,
        });
        return c.json(toView(report), 200);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  )
  .openapi(
    policyRoute("data.import", {
      method: "post",
      path: "/manual",
      tags,
      summary: "手入力（紙で保有する記録）",
      request: { body: jsonBody(manualBody) },
      responses: { 200: json(importReportSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const deps = c.get("deps");
      const report = await importManualRows({ db: deps.db, url: deps.databaseUrl }, body.rows, {
        municipalityId: actor.municipalityId,
        actor: { userId: actor.userId, loginName: actor.loginName },
        source: body.source as SourceId,
        asOf: body.asOf as IsoDate,
        ...(body.label ? { label: body.label } : {}),
      });
      return c.json(toView(report), 200);
    },
  );

/** The report as JSON (dates as ISO strings, arrays copied out of readonly). */
export function toView(r: ImportReport): z.infer<typeof importReportSchema> & ImportReportView {
  if (r.status === "duplicate") return { ...r, importedAt: r.importedAt.toISOString() };
  if (r.status === "failed") return { ...r, details: [...r.details] };
  return {
    ...r,
    rejections: [...r.rejections],
    notes: [...r.notes],
    superseded: [...r.superseded],
  };
}
