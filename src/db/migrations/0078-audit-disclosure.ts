import { type Kysely, sql } from "kysely";
import { numberDisclosures } from "./0073-audit-disclosure-verify.ts";

/**
 * Persons disclosed by an export (issue 12, "who looked at this child"). A
 * list view writes the ids of its page (at most 200) into `detail.persons` of
 * its audit row (migration 0086); an export can hold a whole city (30,000
 * children in one 判定一覧 CSV, every person of a run in `export persons`),
 * which would make one audit row — and every read of the log, and the hash
 * chain's digest — megabytes long. Exports therefore write their persons
 * here, in chunks of at most 1,000 ids per row (a bounded row, TOASTed and
 * compressed), keyed by the audit row they belong to; the audit row keeps the
 * count and a SHA-256 of the sorted ids (`detail.disclosed`), so the hash
 * chain covers which persons were disclosed and a changed chunk is detectable.
 *
 * municipality_id is in every key (distribution, test/distribution-keys.test.ts).
 * No foreign key to audit_log: the row and its chunks are written in one
 * transaction (audit.repository.ts appendDisclosure), audit_log rows are never
 * deleted (append-only triggers), and the digest in the row ties the two. A
 * GIN index on `persons` makes "exports that included P…" an index lookup.
 * Row-level security like every municipal table (row-security.ts); the app
 * role may read and append, never change or delete (APPEND_ONLY there).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE audit_disclosure (
      audit_id bigint NOT NULL,
      chunk integer NOT NULL CHECK (chunk >= 0),
      municipality_id integer NOT NULL REFERENCES municipality(id),
      persons text[] NOT NULL CHECK (cardinality(persons) BETWEEN 1 AND 1000),
      PRIMARY KEY (audit_id, chunk, municipality_id)
    )`.execute(db);
  await sql`CREATE INDEX audit_disclosure_persons_idx ON audit_disclosure
      USING gin (persons)`.execute(db);
  // On a new database 0073 ran before this table existed: number the chunks
  // here (on an older one 0073 altered the table when it ran after this).
  await numberDisclosures(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE audit_disclosure`.execute(db);
}
