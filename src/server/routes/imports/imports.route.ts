import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "@hono/zod-openapi";
import { createImportRepository, type ReplacedSnapshot } from "../../../db/import.repository.ts";
import { refuseFutureAsOf } from "../../../domain/as-of.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { AS_OF_COLUMN, findLayout, LAYOUTS } from "../../../domain/layouts.ts";
import { mayImportSource } from "../../../domain/policy/index.ts";
import type { IsoDate, SourceId } from "../../../domain/types.ts";
import {
  correctManualEntry,
  type ImportReport,
  importFile,
  importManualRows,
} from "../../../pipeline/import.ts";
import {
  importHistory,
  rejectedRowsCsv,
  undoReplacement,
} from "../../../pipeline/import-history.ts";
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
  correctBody,
  historyQuery,
  historySchema,
  importReportSchema,
  manualBody,
  rejectedRowSchema,
  rejectionsQuery,
  snapshotParam,
  snapshotViewSchema,
  sourceViewSchema,
  undoResultSchema,
  uploadQuery,
} from "./schema.ts";

/** Largest upload accepted (a year of a city's attendance is far below this). */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

/**
 * How long one upload may take to arrive by default: 15 minutes, room for the
 * 2 GB limit at about 20 Mbit/s (a municipal LAN is faster; the largest real
 * exports are tens of MB). The import itself is not counted.
 */
export const UPLOAD_TIMEOUT_MS = 15 * 60 * 1000;

/** The refusal of an upload that did not arrive in time (Japanese, says what to do). */
export function uploadTimedOut(ms: number): MimamoriError {
  const span =
    ms >= 60_000 ? `${Math.round(ms / 60_000)} 分` : `${Math.max(1, Math.round(ms / 1000))} 秒`;
  return new MimamoriError(
    "timeout",
    `ファイルの受信が ${span}以内に終わらなかったため、取込を中止しました（何も取り込んでいません）。回線の混雑を避けて送り直すか、ファイルを分割してください。`,
  );
}

/**
 * The layouts as the forms need them. 抽出日 is left out of the columns: both
 * forms ask for it once as the snapshot's date (issue 16: the manual form
 * showed two 抽出日 fields). 性別 and yes/no columns get their choices, so the
 * manual form offers a select rather than a free-text box.
 */
const CHOICES: Partial<Record<string, readonly string[]>> = {
  sex: ["男", "女", "不明"],
  bool: ["はい", "いいえ"],
};
const sources: SourceView[] = LAYOUTS.map((l) => ({
  id: l.id,
  name: l.name,
  columns: l.columns
    .filter((c) => c.name !== AS_OF_COLUMN)
    .map((c) => {
      const options =
        c.type.kind === "enum" ? [...c.type.enumeration.values] : CHOICES[c.type.kind];
      return {
        name: c.name,
        required: c.required,
        kind: c.type.kind,
        ...(options ? { options: [...options] } : {}),
      };
    }),
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
    (c) => {
      const allowed = actorOf(c).importSources;
      return c.json(
        sources.filter((s) => mayImportSource(allowed, s.id)),
        200,
      );
    },
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
        list
          .filter((s) => mayImportSource(actor.importSources, s.sourceId))
          .map(({ contentHash: _, ...s }) => ({
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
      const snapshot = await repo.findSnapshot(actor.municipalityId, id);
      if (!snapshot || !mayImportSource(actor.importSources, snapshot.sourceId)) {
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
      if (q.asOf) refuseFutureAsOf(c.get("deps").now(), q.asOf);
      const body = c.req.raw.body;
      if (!body) throw new MimamoriError("invalid_input", "ファイルが送信されていません。");
      const dir = await mkdtemp(join(tmpdir(), "mimamori-upload-"));
      const path = join(dir, "upload");
      try {
        let size = 0;
        const maxBytes = c.get("deps").maxUploadBytes ?? MAX_UPLOAD_BYTES;
        const limit = new Transform({
          transform(chunk: Buffer, _enc, done) {
            size += chunk.length;
            if (size > maxBytes)
              done(
                new MimamoriError(
                  "invalid_input",
                  `ファイルが大きすぎます（上限 ${maxBytes >= 1024 ** 3 ? `${maxBytes / 1024 ** 3} GB` : `${Math.round(maxBytes / 1024 ** 2)} MB`}）。分割して取り込んでください。`,
                ),
              );
            else done(null, chunk);
          },
        });
        // One overall deadline for the body: a client trickling bytes (slow-loris)
        // is cut off however steadily it sends.
        const timeoutMs = c.get("deps").uploadTimeoutMs ?? UPLOAD_TIMEOUT_MS;
        const deadline = AbortSignal.timeout(timeoutMs);
        try {
          await pipeline(
            Readable.fromWeb(body as import("node:stream/web").ReadableStream),
            limit,
            createWriteStream(path, { mode: 0o600 }),
            { signal: deadline },
          );
        } catch (e) {
          if (!deadline.aborted) throw e;
          // The rest of the body is never read: close the connection after answering.
          c.header("Connection", "close");
          throw uploadTimedOut(timeoutMs);
        }
        if (size === 0) throw new MimamoriError("invalid_input", "空のファイルは取り込めません。");
        const deps = c.get("deps");
        const report = await importFile({ db: deps.db, url: deps.databaseUrl }, path, {
          municipalityId: actor.municipalityId,
          actor: { userId: actor.userId, loginName: actor.loginName },
          fileName: q.fileName,
          ...(q.asOf ? { asOf: q.asOf as IsoDate } : {}),
          // A 抽出日 the file carries (its column or name) is held to the same clock.
          now: deps.now(),
          ...(q.source ? { source: q.source as SourceId } : {}),
          dryRun: q.dryRun === "true",
          // An upload never replaces silently: only the replacements the user
          // confirmed after a preview (none when the parameter is absent).
          confirmReplace: (q.confirmReplace ?? "").split(",").filter(Boolean).map(Number),
          maxRejectionsInReport: 1000,
          allowedSources: actor.importSources ?? null,
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
      refuseFutureAsOf(deps.now(), body.asOf);
      const report = await importManualRows({ db: deps.db, url: deps.databaseUrl }, body.rows, {
        municipalityId: actor.municipalityId,
        actor: { userId: actor.userId, loginName: actor.loginName },
        source: body.source as SourceId,
        asOf: body.asOf as IsoDate,
        ...(body.label ? { label: body.label } : {}),
        allowedSources: actor.importSources ?? null,
      });
      return c.json(toView(report), 200);
    },
  )
  .openapi(
    policyRoute("data.import", {
      method: "post",
      path: "/manual/{id}/correct",
      tags,
      summary: "手入力の訂正（その入力だけを置き換える新しい版を作る。元に戻せる）",
      request: { params: snapshotParam, body: jsonBody(correctBody) },
      responses: { 200: json(importReportSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const deps = c.get("deps");
      const report = await correctManualEntry(
        { db: deps.db, url: deps.databaseUrl },
        id,
        body.rows,
        {
          municipalityId: actor.municipalityId,
          actor: { userId: actor.userId, loginName: actor.loginName },
          ...(body.asOf ? { asOf: body.asOf as IsoDate } : {}),
          allowedSources: actor.importSources ?? null,
        },
      );
      return c.json(toView(report), 200);
    },
  )
  .openapi(
    policyRoute("data.import", {
      method: "get",
      path: "/history",
      tags,
      summary:
        "取込の履歴（データごとの各版: 抽出日、保存・エラー行数、取り込んだ人、置き換えた版と元に戻した記録）",
      request: { query: historyQuery },
      responses: { 200: json(historySchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const q = c.req.valid("query");
      const history = await importHistory(
        c.get("deps").db,
        actor.municipalityId,
        q.source ? { sourceId: q.source as SourceId } : {},
      );
      return c.json(
        history
          .filter((s) => mayImportSource(actor.importSources, s.sourceId))
          .map((s) => ({
            ...s,
            versions: s.versions.map((v) => ({
              ...v,
              importedAt: v.importedAt.toISOString(),
              replaced: v.replaced.map((r) => ({
                ...r,
                at: r.at.toISOString(),
                undoneAt: r.undoneAt?.toISOString() ?? null,
              })),
            })),
          })),
        200,
      );
    },
  )
  .openapi(
    policyRoute("data.import", {
      method: "post",
      path: "/{id}/undo",
      tags,
      summary:
        "置き換えを元に戻す（この取込が置き換えた版を再び使い、この取込は使わない。監査に記録）",
      request: { params: snapshotParam },
      responses: { 200: json(undoResultSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { id } = c.req.valid("param");
      const snapshot = await createImportRepository(c.get("deps").db).findSnapshot(
        actor.municipalityId,
        id,
      );
      if (snapshot && !mayImportSource(actor.importSources, snapshot.sourceId)) {
        return refuseAsNotFound(c, `import_snapshot:${id}`, "指定された取込はありません。");
      }
      const r = await undoReplacement(c.get("deps").db, actor.municipalityId, id, {
        userId: actor.userId,
        loginName: actor.loginName,
      });
      return c.json(
        {
          sourceId: r.sourceId,
          restored: r.restored.map((x) => ({ ...x, importedAt: x.importedAt.toISOString() })),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("data.import", {
      method: "get",
      path: "/{id}/rejections.csv",
      tags,
      summary:
        "取り込めなかった行の CSV（部署がファイルを直すため。元の列とエラーの内容。数式として実行されないよう加工。ダウンロードは監査に記録）",
      request: { params: snapshotParam },
      responses: {
        200: {
          description: "UTF-8（BOM 付き）の CSV",
          content: { "text/csv": { schema: z.string() } },
        },
      },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { id } = c.req.valid("param");
      const db = c.get("deps").db;
      const snapshot = await createImportRepository(db).findSnapshot(actor.municipalityId, id);
      if (!snapshot || !mayImportSource(actor.importSources, snapshot.sourceId)) {
        return refuseAsNotFound(c, `import_snapshot:${id}`, "指定された取込はありません。");
      }
      // Rejected rows are at most a file's worth; gathered so the audit row is
      // written before the response is sent.
      let text = "";
      for await (const line of rejectedRowsCsv(db, actor.municipalityId, id, {
        userId: actor.userId,
        loginName: actor.loginName,
      }))
        text += line;
      const name = `${snapshot.fileName.replace(/\.[^.]*$/, "")}_エラーの行.csv`;
      return c.body(text, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="rejections.csv"; filename*=UTF-8''${encodeURIComponent(name)}`,
        "Cache-Control": "no-store",
      });
    },
  );

/** The report as JSON (dates as ISO strings, arrays copied out of readonly). */
export function toView(r: ImportReport): ImportReportView {
  const replacedView = (x: ReplacedSnapshot) => ({ ...x, importedAt: x.importedAt.toISOString() });
  if (r.status === "duplicate") return { ...r, importedAt: r.importedAt.toISOString() };
  if (r.status === "failed") {
    const { rejections, details, ...rest } = r;
    return {
      ...rest,
      details: [...details],
      ...(rejections ? { rejections: rejections.map((x) => ({ ...x })) } : {}),
    };
  }
  if (r.status === "preview")
    return {
      ...r,
      rejections: [...r.rejections],
      notes: [...r.notes],
      wouldReplace: r.wouldReplace.map(replacedView),
    };
  return {
    ...r,
    rejections: [...r.rejections],
    notes: [...r.notes],
    superseded: [...r.superseded],
    replaced: r.replaced.map(replacedView),
  };
}
