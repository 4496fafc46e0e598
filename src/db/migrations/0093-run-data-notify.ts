import { type Kysely, sql } from "kysely";

/**
 * NOTIFY on changes of run data, 利用停止 and 訂正 (issue 11; the function is
 * migration 0092's): the server caches child, household and search answers
 * and 判定一覧 pages per published run, and drops them when any of these
 * change in another process.
 *
 * A published run's rows are never added to (a new run has new ids and
 * becomes visible through score_run, 0092), so inserts into the score and
 * link tables are not watched; updates and deletes are (retention deletes a
 * run, a manual link decision, erasing a person's raw rows in import_row).
 * usage_stop and fact_correction: every change. Statement-level: a bulk
 * change sends one notification, topic only.
 */
const WATCHED: readonly [table: string, events: string, topic: string][] = [
  ["score_result", "UPDATE OR DELETE OR TRUNCATE", "run_data"],
  ["score_item", "UPDATE OR DELETE OR TRUNCATE", "run_data"],
  ["link_person", "UPDATE OR DELETE OR TRUNCATE", "run_data"],
  ["link_record", "UPDATE OR DELETE OR TRUNCATE", "run_data"],
  ["import_row", "UPDATE OR DELETE OR TRUNCATE", "run_data"],
  ["usage_stop", "INSERT OR UPDATE OR DELETE OR TRUNCATE", "usage_stop"],
  ["fact_correction", "INSERT OR UPDATE OR DELETE OR TRUNCATE", "fact_correction"],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, events, topic] of WATCHED)
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_notify_change`)} AFTER ${sql.raw(events)}
      ON ${sql.table(table)} FOR EACH STATEMENT
      EXECUTE FUNCTION mimamori_notify_change(${sql.lit(topic)})`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table] of WATCHED)
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_notify_change`)} ON ${sql.table(table)}`.execute(
      db,
    );
}
