import { type Kysely, sql } from "kysely";

/**
 * Runs that a municipality can trust (issue 16):
 * - `run_job`: one row per monthly run (CLI or web app) with its state, the
 *   stage it is in and the counts of each stage done, so the CLI prints
 *   progress and the app polls it. Only one job runs per municipality: the
 *   engine holds a PostgreSQL advisory lock (db/run-job.repository.ts) while a
 *   job is `running`; a `running` row whose lock is free belongs to a process
 *   that died and is marked `failed` by the next reader.
 * - `completed_at` on `link_run` and `score_run`: a run is written unpublished
 *   (null) and published in one transaction with its job when every stage is
 *   stored. Readers take the newest *completed* run, so a run killed half-way
 *   is never "the latest". Existing runs were complete when written
 *   (each was one transaction before this migration); the default keeps
 *   single-stage callers (tests, benchmarks) publishing at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("run_job")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("state", "text", (c) =>
      c.notNull().check(sql`state IN ('running', 'succeeded', 'failed')`),
    )
    // read, link, store_links, evaluate, score, store_scores, publish (pipeline/run.ts).
    .addColumn("stage", "text")
    // { stage: { count name: n } } for every stage done, plus seconds per stage.
    .addColumn("counts", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("as_of", "date")
    .addColumn("link_run_id", "integer")
    .addColumn("score_run_id", "integer")
    .addColumn("actor_user_id", "integer")
    .addColumn("actor", "text", (c) => c.notNull())
    // Where it runs (`cli` or `web`), the host and process id: for the operator.
    .addColumn("origin", "text", (c) => c.notNull())
    .addColumn("host", "text", (c) => c.notNull())
    .addColumn("pid", "integer", (c) => c.notNull())
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .addColumn("error", "text")
    .execute();
  await db.schema
    .createIndex("run_job_municipality_idx")
    .on("run_job")
    .columns(["municipality_id", "id"])
    .execute();

  for (const table of ["link_run", "score_run"]) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN completed_at timestamptz DEFAULT now()`.execute(
      db,
    );
    await sql`UPDATE ${sql.table(table)} SET completed_at = created_at`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["link_run", "score_run"])
    await sql`ALTER TABLE ${sql.table(table)} DROP COLUMN completed_at`.execute(db);
  await db.schema.dropTable("run_job").execute();
}
