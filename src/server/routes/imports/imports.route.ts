import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Hono } from "hono";
import { createImportRepository } from "../../../db/import.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { findLayout, LAYOUTS } from "../../../domain/layouts.ts";
import type { IsoDate, SourceId } from "../../../domain/types.ts";
import { importFile, importManualRows } from "../../../pipeline/import.ts";
import type { ImportReportView, SnapshotView, SourceView } from "../../api-types.ts";
import type { AppEnv } from "../../app-env.ts";
import { requirePermission } from "../../auth/middleware.ts";
import { parseJson, parseQuery } from "../../parse.ts";
import { manualBody, rejectionsQuery, snapshotParam, uploadQuery } from "./schema.ts";

/** Largest upload accepted (a year of a city's attendance is far below this). */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

const sources: SourceView[] = LAYOUTS.map((l) => ({
  id: l.id,
  name: l.name,
  columns: l.columns.map((c) => ({
    name: c.name,
    required: c.required,
    kind: c.type.kind,
    options: c.type.kind === "enum" ? [...c.type.enumeration.values] : undefined,
  })),
}));

export const importRoutes = new Hono<AppEnv>()
  .get("/sources", (c) => {
    requirePermission(c, "data.import");
    return c.json<SourceView[]>(sources);
  })
  .get("/", async (c) => {
    const { user } = requirePermission(c, "data.import");
    const list = await createImportRepository(c.get("deps").db).listSnapshots(user.municipalityId);
    return c.json<SnapshotView[]>(
      list.map((s) => ({
        ...s,
        sourceName: findLayout(s.sourceId)?.name ?? s.sourceId,
        importedAt: s.importedAt.toISOString(),
      })),
    );
  })
  .get("/:id/rejections", async (c) => {
    const { user } = requirePermission(c, "data.import");
    const { id } = snapshotParam.parse(c.req.param());
    const q = parseQuery(c, rejectionsQuery);
    const repo = createImportRepository(c.get("deps").db);
    if (!(await repo.findSnapshot(user.municipalityId, id))) {
      throw new MimamoriError("not_found", "指定された取込はありません。");
    }
    const rows = await repo.listRejectedRows(user.municipalityId, id, {
      afterRow: q.afterRow,
      limit: q.limit,
    });
    return c.json(rows.map((r) => ({ row: r.rowNo, line: r.lineNo, errors: r.errors })));
  })
  /**
   * Upload: the request body is the file itself (no multipart), streamed to a
   * private temporary file and imported from there, so a large export never sits
   * in memory. The report is the same as the CLI's.
   */
  .post("/", async (c) => {
    const { user } = requirePermission(c, "data.import");
    const q = parseQuery(c, uploadQuery);
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
        municipalityId: user.municipalityId,
        actor: { userId: user.id, loginName: user.loginName },
        fileName: q.fileName,
        ...(q.asOf ? { asOf: q.asOf as IsoDate } : {}),
        ...(q.source ? { source: q.source as SourceId } : {}),
        maxRejectionsInReport: 1000,
      });
      return c.json<ImportReportView>(toView(report));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })
  .post("/manual", async (c) => {
    const { user } = requirePermission(c, "data.import");
    const body = await parseJson(c, manualBody);
    const deps = c.get("deps");
    const report = await importManualRows({ db: deps.db, url: deps.databaseUrl }, body.rows, {
      municipalityId: user.municipalityId,
      actor: { userId: user.id, loginName: user.loginName },
      source: body.source as SourceId,
      asOf: body.asOf as IsoDate,
      ...(body.label ? { label: body.label } : {}),
    });
    return c.json<ImportReportView>(toView(report));
  });

function toView(r: Awaited<ReturnType<typeof importFile>>): ImportReportView {
  if (r.status === "duplicate") return { ...r, importedAt: r.importedAt.toISOString() };
  return r as ImportReportView;
}
