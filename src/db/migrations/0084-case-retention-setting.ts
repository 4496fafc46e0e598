import { type Kysely, sql } from "kysely";

/**
 * The case-retention setting per municipality (issue 12, lifecycle): how
 * many years after closing, and until which age of the child, a closed case
 * is kept. Set by 総括管理 or the system administrator (API
 * /api/case-retention, or `retention --cases … --save`), used by
 * `retention --cases` when no option is given. Row-level security as every
 * municipal table (row-security.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE case_retention_setting (
      municipality_id integer PRIMARY KEY REFERENCES municipality(id),
      closed_years integer NOT NULL CHECK (closed_years BETWEEN 0 AND 100),
      until_age integer CHECK (until_age BETWEEN 0 AND 30),
      updated_at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE case_retention_setting`.execute(db);
}
