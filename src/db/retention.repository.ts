/**
 * Retention of imported snapshots (0007-retention): the municipality's
 * policy, what retention needs to decide (every snapshot, every run's
 * snapshot references) and the deletion itself. Deleting a snapshot deletes
 * its rows (trigger of 0002-import); deleting a linkage run deletes its
 * records, persons, review queue and mother–child lines (0003, 0006), a
 * scoring run its items and results (0004).
 */
import { sql } from "kysely";
import type { IsoDate, SourceId } from "../domain/types.ts";
import type { Database } from "./database.ts";

export interface StoredRetentionPolicy {
  readonly keepSnapshots: number;
  readonly keepMonths: number | null;
  readonly updatedAt: Date;
  readonly actor: string;
}

/** A snapshot as retention sees it. */
export interface RetentionSnapshot {
  readonly id: number;
  readonly sourceId: SourceId;
  readonly version: number;
  readonly fileName: string;
  readonly asOf: IsoDate | null;
  /** The import's date (Japan time), for a snapshot without 抽出日. */
  readonly importedOn: IsoDate;
  readonly rows: number;
  readonly supersededBy: number | null;
  /** Entered by hand: every uncorrected manual entry is current (issue 16). */
  readonly manual: boolean;
}

/** A stored run and the snapshots it read. */
export interface RetentionRun {
  readonly kind: "link" | "score";
  readonly id: number;
  /** For a scoring run, the linkage run it scored. */
  readonly linkRunId: number | null;
  readonly snapshotIds: readonly number[];
}

export function createRetentionRepository(db: Database) {
  return {
    async getPolicy(municipalityId: number): Promise<StoredRetentionPolicy | undefined> {
      const r = await db
        .selectFrom("retention_policy")
        .select(["keep_snapshots", "keep_months", "updated_at", "actor"])
        .where("municipality_id", "=", municipalityId)
        .executeTakeFirst();
      return (
        r && {
          keepSnapshots: r.keep_snapshots,
          keepMonths: r.keep_months,
          updatedAt: r.updated_at,
          actor: r.actor,
        }
      );
    },

    async savePolicy(
      municipalityId: number,
      policy: { keepSnapshots: number; keepMonths: number | null },
      actor: string,
    ): Promise<void> {
      await db
        .insertInto("retention_policy")
        .values({
          municipality_id: municipalityId,
          keep_snapshots: policy.keepSnapshots,
          keep_months: policy.keepMonths,
          actor,
        })
        .onConflict((oc) =>
          oc.column("municipality_id").doUpdateSet({
            keep_snapshots: policy.keepSnapshots,
            keep_months: policy.keepMonths,
            actor,
            updated_at: sql`now()`,
          }),
        )
        .execute();
    },

    /**
     * Blocks imports and new runs until the transaction `db` belongs to ends,
     * so what retention decided (which snapshot is current, which run reads
     * which) still holds when it deletes. Reads go on.
     */
    async lockForDeletion(): Promise<void> {
      await sql`LOCK TABLE import_snapshot, link_run, score_run IN SHARE ROW EXCLUSIVE MODE`.execute(
        db,
      );
    },

    async listSnapshots(municipalityId: number): Promise<RetentionSnapshot[]> {
      const rows = await db
        .selectFrom("import_snapshot")
        .select([
          "id",
          "source_id",
          "version",
          "file_name",
          sql<string | null>`to_char(as_of, 'YYYY-MM-DD')`.as("as_of"),
          sql<string>`to_char(imported_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD')`.as(
            "imported_on",
          ),
          "rows_read",
          "superseded_by",
          "manual",
        ])
        .where("municipality_id", "=", municipalityId)
        .orderBy("id")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        sourceId: r.source_id as SourceId,
        version: r.version,
        fileName: r.file_name,
        asOf: r.as_of as IsoDate | null,
        importedOn: r.imported_on as IsoDate,
        rows: r.rows_read,
        supersededBy: r.superseded_by,
        manual: r.manual,
      }));
    },

    async listRuns(municipalityId: number): Promise<RetentionRun[]> {
      const links = await db
        .selectFrom("link_run")
        .select(["id", "snapshot_ids"])
        .where("municipality_id", "=", municipalityId)
        // A run being written is not retention's to judge (pipeline/run.ts cleans up dead ones).
        .where("completed_at", "is not", null)
        .orderBy("id")
        .execute();
      const scores = await db
        .selectFrom("score_run")
        .select(["id", "link_run_id", "snapshot_ids"])
        .where("municipality_id", "=", municipalityId)
        .where("completed_at", "is not", null)
        .orderBy("id")
        .execute();
      return [
        ...links.map((r) => ({
          kind: "link" as const,
          id: r.id,
          linkRunId: null,
          snapshotIds: r.snapshot_ids,
        })),
        ...scores.map((r) => ({
          kind: "score" as const,
          id: r.id,
          linkRunId: r.link_run_id,
          snapshotIds: r.snapshot_ids,
        })),
      ];
    },

    /**
     * Deletes scoring runs, then linkage runs, then snapshots (and with them
     * every dependent row). Returns how many import rows went. Call inside a
     * transaction.
     */
    async deleteAll(
      municipalityId: number,
      ids: {
        snapshotIds: readonly number[];
        linkRunIds: readonly number[];
        scoreRunIds: readonly number[];
      },
      /** Recorded in purge_log with the counts (never the content), like the case and person purges. */
      log?: { actor: string; policy: unknown },
    ): Promise<{ importRows: number }> {
      if (ids.scoreRunIds.length > 0) {
        await db
          .deleteFrom("score_run")
          .where("municipality_id", "=", municipalityId)
          .where("id", "in", [...ids.scoreRunIds])
          .execute();
      }
      if (ids.linkRunIds.length > 0) {
        await db
          .deleteFrom("link_run")
          .where("municipality_id", "=", municipalityId)
          .where("id", "in", [...ids.linkRunIds])
          .execute();
      }
      let importRows = 0;
      if (ids.snapshotIds.length > 0) {
        const counted = await db
          .selectFrom("import_row")
          .select(sql<string>`count(*)`.as("n"))
          .where("municipality_id", "=", municipalityId)
          .where("snapshot_id", "in", [...ids.snapshotIds])
          .executeTakeFirst();
        importRows = Number(counted?.n ?? 0);
        await db
          .deleteFrom("import_snapshot")
          .where("municipality_id", "=", municipalityId)
          .where("id", "in", [...ids.snapshotIds])
          .execute();
      }
      if (log) {
        const counts = {
          snapshots: ids.snapshotIds.length,
          importRows,
          linkRuns: ids.linkRunIds.length,
          scoreRuns: ids.scoreRunIds.length,
        };
        await sql`INSERT INTO purge_log (municipality_id, actor, kind, policy, counts)
                  VALUES (${municipalityId}, ${log.actor}, 'snapshots',
                          ${JSON.stringify(log.policy)}::jsonb, ${JSON.stringify(counts)}::jsonb)`.execute(
          db,
        );
      }
      return { importRows };
    },
  };
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>;
