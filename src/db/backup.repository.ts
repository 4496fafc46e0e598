/**
 * The SQL side of an online base backup with PostgreSQL's low-level API
 * (https://www.postgresql.org/docs/current/continuous-archiving.html#BACKUP-LOWLEVEL-BASE-BACKUP):
 * on one dedicated session, a temporary physical replication slot keeps the
 * WAL from being recycled while files are copied, `pg_backup_start` marks
 * the start, `pg_backup_stop` returns the backup_label and tablespace_map
 * contents. pipeline/backup.ts copies the files in between.
 */
import pg from "pg";

export interface BackupSession {
  /** The server's data directory, as the server sees it. */
  readonly dataDirectory: string;
  /** pg_control's database system identifier (to check the files are this cluster's). */
  readonly systemIdentifier: string;
  readonly serverVersion: string;
  /** Starts the backup; returns the start LSN. */
  start(label: string): Promise<string>;
  /** Stops it; the label file and tablespace map to write, and the WAL file of the stop LSN. */
  stop(): Promise<{ lsn: string; labelFile: string; tablespaceMap: string; stopWalFile: string }>;
  /** Ends the session (drops the temporary slot; aborts a backup not stopped). */
  close(): Promise<void>;
}

/** Opens the session a base backup runs on (needs a superuser, as the embedded server's is). */
export async function openBackupSession(url: string): Promise<BackupSession> {
  const client = new pg.Client({ connectionString: url, application_name: "mimamori backup" });
  client.on("error", () => {});
  await client.connect();
  try {
    const info = await client.query<{ dir: string; id: string; version: string }>(
      `SELECT current_setting('data_directory') AS dir,
              (SELECT system_identifier::text FROM pg_control_system()) AS id,
              current_setting('server_version') AS version`,
    );
    const row = info.rows[0] as { dir: string; id: string; version: string };
    return {
      dataDirectory: row.dir,
      systemIdentifier: row.id,
      serverVersion: row.version,
      async start(label) {
        // Reserve WAL from now on for as long as this session lives (temporary slot).
        await client.query("SELECT pg_create_physical_replication_slot($1, true, true)", [
          `mimamori_backup_${process.pid}_${Date.now()}`,
        ]);
        const r = await client.query<{ lsn: string }>(
          "SELECT pg_backup_start($1, true)::text AS lsn",
          [label],
        );
        return (r.rows[0] as { lsn: string }).lsn;
      },
      async stop() {
        const r = await client.query<{ lsn: string; labelfile: string; spcmapfile: string }>(
          "SELECT lsn::text AS lsn, labelfile, spcmapfile FROM pg_backup_stop(false)",
        );
        const row = r.rows[0] as { lsn: string; labelfile: string; spcmapfile: string };
        const w = await client.query<{ name: string }>(
          "SELECT pg_walfile_name($1::pg_lsn) AS name",
          [row.lsn],
        );
        return {
          lsn: row.lsn,
          labelFile: row.labelfile,
          tablespaceMap: row.spcmapfile ?? "",
          stopWalFile: (w.rows[0] as { name: string }).name,
        };
      },
      async close() {
        await client.end().catch(() => {});
      },
    };
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
}

/** Whether the restored server has finished recovery, and a count to show it has data. */
export async function checkRestored(
  url: string,
): Promise<{ inRecovery: boolean; tables: number; municipalities: number | null }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ rec: boolean; tables: number; has: boolean }>(
      `SELECT pg_is_in_recovery() AS rec,
              (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public') AS tables,
              to_regclass('public.municipality') IS NOT NULL AS has`,
    );
    const row = r.rows[0] as { rec: boolean; tables: number; has: boolean };
    let municipalities: number | null = null;
    if (row.has) {
      const m = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM municipality");
      municipalities = (m.rows[0] as { n: number }).n;
    }
    return { inRecovery: row.rec, tables: row.tables, municipalities };
  } finally {
    await client.end().catch(() => {});
  }
}
