/**
 * Monthly run jobs and the one run lock per municipality (0015-run-job).
 *
 * The lock is a session-level PostgreSQL advisory lock held on a dedicated
 * connection for the whole run. PostgreSQL frees it when that connection
 * ends — including when the process holding it is killed (kill -9, out of
 * memory) or the server restarts — so a dead run never blocks the next one.
 * A `running` job row whose lock is free therefore belongs to a process that
 * is gone; `reapStale` marks it failed.
 */
import { sql } from "kysely";
import pg from "pg";
import type { Database } from "./database.ts";

/** First key of the run lock ("mmru"); the second is the municipality id. */
const RUN_LOCK_KEY = 0x6d6d7275;

export type RunJobState = "running" | "succeeded" | "failed";

export interface RunJob {
  readonly id: number;
  readonly municipalityId: number;
  readonly state: RunJobState;
  readonly stage: string | null;
  /** Per stage done: its counts and `seconds`. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly asOf: string | null;
  readonly linkRunId: number | null;
  readonly scoreRunId: number | null;
  readonly actorUserId: number | null;
  readonly actor: string;
  readonly origin: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
  readonly error: string | null;
}

export interface RunLock {
  /** Frees the lock and closes its connection. Safe to call twice. */
  release(): Promise<void>;
}

/**
 * Takes the municipality's run lock without waiting. Returns undefined when
 * another session holds it (a run is in progress).
 */
export async function tryRunLock(
  url: string,
  municipalityId: number,
): Promise<RunLock | undefined> {
  const client = new pg.Client({ connectionString: url, application_name: "mimamori run lock" });
  // A server that goes away mid-run ends the run (its transactions roll back);
  // the error surfaces on the run's own queries, not here.
  client.on("error", () => {});
  await client.connect();
  let got = false;
  try {
    const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [
      RUN_LOCK_KEY,
      municipalityId,
    ]);
    got = r.rows[0]?.ok === true;
  } finally {
    if (!got) await client.end().catch(() => {});
  }
  if (!got) return undefined;
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client
        .query("SELECT pg_advisory_unlock($1, $2)", [RUN_LOCK_KEY, municipalityId])
        .catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

/**
 * Takes the run lock for the current transaction only (released at its
 * end), without waiting: for retention, which must not delete what a run in
 * progress is reading. False when a run holds it.
 */
export async function tryRunLockForTransaction(
  trx: Database,
  municipalityId: number,
): Promise<boolean> {
  const r = await sql<{
    ok: boolean;
  }>`SELECT pg_try_advisory_xact_lock(${RUN_LOCK_KEY}, ${municipalityId}) AS ok`.execute(trx);
  return r.rows[0]?.ok === true;
}

function toJob(r: {
  id: number;
  municipality_id: number;
  state: RunJobState;
  stage: string | null;
  counts: unknown;
  as_of: string | null;
  link_run_id: number | null;
  score_run_id: number | null;
  actor_user_id: number | null;
  actor: string;
  origin: string;
  host: string;
  pid: number;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  error: string | null;
}): RunJob {
  return {
    id: r.id,
    municipalityId: r.municipality_id,
    state: r.state,
    stage: r.stage,
    counts: (r.counts ?? {}) as RunJob["counts"],
    asOf: r.as_of,
    linkRunId: r.link_run_id,
    scoreRunId: r.score_run_id,
    actorUserId: r.actor_user_id,
    actor: r.actor,
    origin: r.origin,
    host: r.host,
    pid: r.pid,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    error: r.error,
  };
}

/** Message stored on a job whose process died (shown in the app and the CLI). */
export const ABANDONED_MESSAGE =
  "実行していたプロセスが途中で終了しました（強制終了・メモリ不足・データベースの停止など）。途中までの結果は使われていません。もう一度実行してください。";

export function createRunJobRepository(db: Database) {
  const columns = [
    "id",
    "municipality_id",
    "state",
    "stage",
    "counts",
    sql<string | null>`to_char(as_of, 'YYYY-MM-DD')`.as("as_of"),
    "link_run_id",
    "score_run_id",
    "actor_user_id",
    "actor",
    "origin",
    "host",
    "pid",
    "started_at",
    "updated_at",
    "finished_at",
    "error",
  ] as const;

  return {
    /**
     * Marks failed every `running` job of the municipality whose run lock
     * nobody holds (its process is gone). Returns how many. Call without
     * holding the lock (the engine, holding it, uses `failRunning`).
     */
    async reapStale(municipalityId: number): Promise<number> {
      const r = await sql`
        UPDATE run_job SET state = 'failed', error = ${ABANDONED_MESSAGE},
          finished_at = now(), updated_at = now()
        WHERE municipality_id = ${municipalityId} AND state = 'running'
          AND NOT EXISTS (
            SELECT 1 FROM pg_locks
            WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid = ${RUN_LOCK_KEY}::oid AND objid = ${municipalityId}::oid AND objsubid = 2
          )`.execute(db);
      return Number(r.numAffectedRows ?? 0);
    },

    /** With the lock held: every `running` job left is a dead one. */
    async failRunning(municipalityId: number): Promise<number> {
      const r = await db
        .updateTable("run_job")
        .set({
          state: "failed",
          error: ABANDONED_MESSAGE,
          finished_at: sql`now()`,
          updated_at: sql`now()`,
        })
        .where("municipality_id", "=", municipalityId)
        .where("state", "=", "running")
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    /**
     * Deletes the runs that were being written when a run died (not
     * completed). With the lock held only: an unpublished run is then never
     * one in progress. Scoring runs first (they reference linkage runs).
     */
    async deleteUnpublishedRuns(municipalityId: number): Promise<{ link: number; score: number }> {
      return db.transaction().execute(async (trx) => {
        const score = await trx
          .deleteFrom("score_run")
          .where("municipality_id", "=", municipalityId)
          .where("completed_at", "is", null)
          .executeTakeFirst();
        const link = await trx
          .deleteFrom("link_run")
          .where("municipality_id", "=", municipalityId)
          .where("completed_at", "is", null)
          .executeTakeFirst();
        return { link: Number(link.numDeletedRows), score: Number(score.numDeletedRows) };
      });
    },

    async create(job: {
      municipalityId: number;
      actorUserId: number | null;
      actor: string;
      origin: string;
      host: string;
      pid: number;
    }): Promise<number> {
      const r = await db
        .insertInto("run_job")
        .values({
          municipality_id: job.municipalityId,
          state: "running",
          actor_user_id: job.actorUserId,
          actor: job.actor,
          origin: job.origin,
          host: job.host,
          pid: job.pid,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return r.id;
    },

    /** Records the stage a job is in and the counts of the stages done. */
    async progress(
      id: number,
      p: { stage: string; counts: RunJob["counts"]; asOf?: string; linkRunId?: number },
    ): Promise<void> {
      await db
        .updateTable("run_job")
        .set({
          stage: p.stage,
          counts: JSON.stringify(p.counts),
          updated_at: sql`now()`,
          ...(p.asOf === undefined ? {} : { as_of: p.asOf }),
          ...(p.linkRunId === undefined ? {} : { link_run_id: p.linkRunId }),
        })
        .where("id", "=", id)
        .where("state", "=", "running")
        .execute();
    },

    async fail(id: number, error: string): Promise<void> {
      await db
        .updateTable("run_job")
        .set({ state: "failed", error, finished_at: sql`now()`, updated_at: sql`now()` })
        .where("id", "=", id)
        .where("state", "=", "running")
        .execute();
    },

    /**
     * Publishes a run: its linkage and scoring runs become the latest and the
     * job succeeds, in one transaction (all or nothing).
     */
    async publish(
      municipalityId: number,
      p: { jobId: number; linkRunId: number; scoreRunId: number; counts: RunJob["counts"] },
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("link_run")
          .set({ completed_at: sql`now()` })
          .where("municipality_id", "=", municipalityId)
          .where("id", "=", p.linkRunId)
          .execute();
        await trx
          .updateTable("score_run")
          .set({ completed_at: sql`now()` })
          .where("municipality_id", "=", municipalityId)
          .where("id", "=", p.scoreRunId)
          .execute();
        await trx
          .updateTable("run_job")
          .set({
            state: "succeeded",
            stage: null,
            counts: JSON.stringify(p.counts),
            link_run_id: p.linkRunId,
            score_run_id: p.scoreRunId,
            finished_at: sql`now()`,
            updated_at: sql`now()`,
          })
          .where("id", "=", p.jobId)
          .execute();
      });
    },

    async get(municipalityId: number, id: number): Promise<RunJob | undefined> {
      const r = await db
        .selectFrom("run_job")
        .select(columns)
        .where("municipality_id", "=", municipalityId)
        .where("id", "=", id)
        .executeTakeFirst();
      return r && toJob(r as Parameters<typeof toJob>[0]);
    },

    /** The job running now, if any (call `reapStale` first to drop dead ones). */
    async running(municipalityId: number): Promise<RunJob | undefined> {
      const r = await db
        .selectFrom("run_job")
        .select(columns)
        .where("municipality_id", "=", municipalityId)
        .where("state", "=", "running")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      return r && toJob(r as Parameters<typeof toJob>[0]);
    },

    /** The newest jobs, newest first. */
    async list(municipalityId: number, limit: number): Promise<RunJob[]> {
      const rows = await db
        .selectFrom("run_job")
        .select(columns)
        .where("municipality_id", "=", municipalityId)
        .orderBy("id", "desc")
        .limit(limit)
        .execute();
      return rows.map((r) => toJob(r as Parameters<typeof toJob>[0]));
    },
  };
}

export type RunJobRepository = ReturnType<typeof createRunJobRepository>;
