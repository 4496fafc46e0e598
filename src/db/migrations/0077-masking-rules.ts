import { type Kysely, sql } from "kysely";

/**
 * Masking rules per municipality (issue 12): each save is a new version (who,
 * when, why) and the newest applies; older versions stay readable as the
 * history. `rules` is role → identity field → full / partial / hidden
 * (domain/policy/masking.ts). Row-level security as on every municipal table
 * (applyRowSecurity after the migration run).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE masking_rule_version (
      municipality_id integer NOT NULL REFERENCES municipality(id),
      version integer NOT NULL CHECK (version > 0),
      rules jsonb NOT NULL,
      note text NOT NULL CHECK (length(note) BETWEEN 1 AND 500),
      created_by text NOT NULL,
      created_by_user_id integer,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (municipality_id, version)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE masking_rule_version`.execute(db);
}
