/**
 * 名寄せ runs, persons, links, review queue and decisions (0003-linkage), and
 * the child of each mother-keyed checkup row (0006-mother-child).
 * Reads go through Kysely; a run is written in one transaction on its own
 * connection, links by COPY (a city has hundreds of thousands of rows).
 */
import { sql } from "kysely";
import pg from "pg";
import type { Waterfall } from "../domain/linkage/explain.ts";
import type { TrainedModel } from "../domain/linkage/model.ts";
import type { PersonIdAssignment } from "../domain/linkage/person-ids.ts";
import type { LinkageSettings } from "../domain/linkage/settings.ts";
import type { LinkMethod, ReviewDecision } from "../domain/linkage/types.ts";
import type { IsoDate } from "../domain/types.ts";
import { copyCell, copyLines, numberArray, textArray } from "./copy.ts";
import type { Database } from "./database.ts";

export interface LinkRunSummary {
  readonly id: number;
  readonly asOf: IsoDate;
  readonly snapshotIds: readonly number[];
  readonly createdAt: Date;
}

export interface StoredRun extends LinkRunSummary {
  readonly settings: LinkageSettings;
  readonly model: TrainedModel;
  readonly assignment: PersonIdAssignment;
}

export interface PersonToStore {
  readonly personId: string;
  readonly residentNos: readonly string[];
  readonly name: string | null;
  readonly nameKana: string | null;
  readonly birthDate: string | null;
  readonly sex: "male" | "female" | "unknown" | null;
  readonly householdNo: string | null;
  readonly resident: boolean;
}

export interface LinkToStore {
  readonly snapshotId: number;
  readonly rowNo: number;
  readonly sourceId: string;
  readonly fileName: string;
  readonly personId: string | null;
  readonly method: LinkMethod;
  readonly probability: number | null;
  readonly profileKey: string;
  readonly levels: readonly number[] | null;
  readonly weights: readonly number[] | null;
}

export interface ReviewToStore {
  readonly leftKey: string;
  readonly rightKey: string;
  readonly leftPerson: string | null;
  readonly rightPerson: string | null;
  readonly weight: number;
  readonly probability: number;
  readonly reason: string;
  readonly explanation: Waterfall;
}

/** The child (one of twins: one line each) of a mother-keyed 妊婦/産婦健診 row. */
export interface MotherChildToStore {
  readonly snapshotId: number;
  readonly rowNo: number;
  readonly sourceId: string;
  readonly fileName: string;
  readonly motherPersonId: string | null;
  readonly childPersonId: string;
  readonly method: "id" | "rule";
}

/** A stored mother–child link of a run, as the scoring side reads it. */
export type StoredMotherChildLink = MotherChildToStore;

export interface RunToStore {
  readonly municipalityId: number;
  readonly asOf: IsoDate;
  readonly snapshotIds: readonly number[];
  readonly settings: LinkageSettings;
  readonly model: TrainedModel;
  readonly assignment: PersonIdAssignment;
  readonly stats: unknown;
  readonly actor: string;
  readonly persons: readonly PersonToStore[];
  readonly links: Iterable<LinkToStore>;
  readonly reviews: readonly ReviewToStore[];
  /** The child of each mother-keyed row (0006-mother-child). */
  readonly motherChild?: Iterable<MotherChildToStore>;
  /**
   * Written unpublished (no completed_at): a monthly run publishes it with
   * its scoring run (pipeline/run.ts). Default: complete at once.
   */
  readonly pending?: boolean;
}

/** One exported link line (cli.md `export links`). */
export interface ExportedLink {
  readonly source: string;
  readonly file: string;
  readonly row: number;
  readonly personId: string | null;
  readonly probability: number | null;
  readonly method: string;
}

/** One exported person (cli.md `export persons`). */
export interface ExportedPerson {
  readonly personId: string;
  readonly residentNos: readonly string[];
  readonly name: string | null;
  readonly nameKana: string | null;
  readonly birthDate: string | null;
  readonly sex: string | null;
  readonly householdNo: string | null;
  readonly resident: boolean;
}

export function createLinkageRepository(db: Database) {
  async function findRun(
    municipalityId: number,
    runId: number | undefined,
  ): Promise<StoredRun | undefined> {
    let q = db
      .selectFrom("link_run")
      .select([
        "id",
        sql<string>`to_char(as_of, 'YYYY-MM-DD')`.as("as_of"),
        "snapshot_ids",
        "settings",
        "model",
        "assignment",
        "created_at",
      ])
      .where("municipality_id", "=", municipalityId);
    q = runId === undefined ? q.where("completed_at", "is not", null) : q.where("id", "=", runId);
    const r = await q.orderBy("id", "desc").limit(1).executeTakeFirst();
    if (!r) return undefined;
    return {
      id: r.id,
      asOf: r.as_of as IsoDate,
      snapshotIds: r.snapshot_ids,
      createdAt: r.created_at,
      settings: r.settings as LinkageSettings,
      model: r.model as TrainedModel,
      assignment: r.assignment as PersonIdAssignment,
    };
  }

  return {
    /**
     * The newest completed run of a municipality, with what the next run
     * needs of it. A run still being written (or left by a run that died) has
     * no `completed_at` and is never the latest (0015-run-job).
     */
    async latestRun(municipalityId: number): Promise<StoredRun | undefined> {
      return findRun(municipalityId, undefined);
    },

    /**
     * A run by id, completed or not: the scoring stage of a monthly run reads
     * the linkage run it has just written, before both are published.
     */
    async runById(municipalityId: number, runId: number): Promise<StoredRun | undefined> {
      return findRun(municipalityId, runId);
    },

    /** Every reviewer decision of a municipality. */
    async listDecisions(municipalityId: number): Promise<ReviewDecision[]> {
      const rows = await db
        .selectFrom("link_decision")
        .select(["left_key", "right_key", "same"])
        .where("municipality_id", "=", municipalityId)
        .orderBy("id")
        .execute();
      return rows.map((r) => ({ left: r.left_key, right: r.right_key, same: r.same }));
    },

    /** Records (or replaces) a decision on a pair of profile keys. */
    async saveDecision(
      municipalityId: number,
      d: ReviewDecision,
      actor: { userId: number | null; loginName: string },
    ): Promise<void> {
      const [left, right] = d.left < d.right ? [d.left, d.right] : [d.right, d.left];
      await db
        .insertInto("link_decision")
        .values({
          municipality_id: municipalityId,
          left_key: left,
          right_key: right,
          same: d.same,
          decided_by_user_id: actor.userId,
          decided_by: actor.loginName,
        })
        .onConflict((oc) =>
          oc.constraint("link_decision_pair_key").doUpdateSet({
            same: d.same,
            decided_by_user_id: actor.userId,
            decided_by: actor.loginName,
            decided_at: sql`now()`,
          }),
        )
        .execute();
    },

    /**
     * Links of a run in (source, file, row) order, in pages. Pages are
     * row-number ranges within one (source, file): a keyset page on an order
     * no index has made PostgreSQL sort every remaining row for each page.
     */
    async *streamLinks(
      municipalityId: number,
      runId: number,
      pageSize = 20_000,
    ): AsyncGenerator<ExportedLink[]> {
      const extents = await db
        .selectFrom("link_record")
        .select([
          "source_id",
          "file_name",
          (eb) => eb.fn.agg<number[]>("array_agg", ["snapshot_id"]).distinct().as("snapshots"),
          (eb) => eb.fn.max("row_no").as("last_row"),
        ])
        .where("municipality_id", "=", municipalityId)
        .where("run_id", "=", runId)
        .groupBy(["source_id", "file_name"])
        .orderBy("source_id")
        .orderBy("file_name")
        .execute();
      for (const extent of extents) {
        for (let from = 1; from <= extent.last_row; from += pageSize) {
          const page = await db
            .selectFrom("link_record")
            .select(["source_id", "file_name", "row_no", "person_id", "probability", "method"])
            .where("municipality_id", "=", municipalityId)
            .where("run_id", "=", runId)
            .where("snapshot_id", "in", extent.snapshots)
            .where("source_id", "=", extent.source_id)
            .where("file_name", "=", extent.file_name)
            .where("row_no", ">=", from)
            .where("row_no", "<", from + pageSize)
            .orderBy("row_no")
            .execute();
          if (page.length === 0) continue;
          yield page.map((r) => ({
            source: r.source_id,
            file: r.file_name,
            row: r.row_no,
            personId: r.person_id,
            probability: r.probability,
            method: r.method,
          }));
        }
      }
    },

    /**
     * The child of every mother-keyed row (妊婦/産婦健診) of a run, resolved by
     * the run (子宛名番号, else the layouts.md birth-date rule); twins give two
     * entries for one row. In (source, file, row, child) order.
     */
    async listMotherChildLinks(
      municipalityId: number,
      runId: number,
    ): Promise<StoredMotherChildLink[]> {
      const rows = await db
        .selectFrom("link_mother_child")
        .select([
          "snapshot_id",
          "row_no",
          "source_id",
          "file_name",
          "mother_person_id",
          "child_person_id",
          "method",
        ])
        .where("municipality_id", "=", municipalityId)
        .where("run_id", "=", runId)
        .orderBy("source_id")
        .orderBy("file_name")
        .orderBy("row_no")
        .orderBy("child_person_id")
        .execute();
      return rows.map((r) => ({
        snapshotId: r.snapshot_id,
        rowNo: r.row_no,
        sourceId: r.source_id,
        fileName: r.file_name,
        motherPersonId: r.mother_person_id,
        childPersonId: r.child_person_id,
        method: r.method === "id" ? "id" : "rule",
      }));
    },

    /** Persons of a run, by person id. */
    async listPersons(municipalityId: number, runId: number): Promise<ExportedPerson[]> {
      const rows = await db
        .selectFrom("link_person")
        .select([
          "person_id",
          "resident_nos",
          "name",
          "name_kana",
          sql<string | null>`to_char(birth_date, 'YYYY-MM-DD')`.as("birth_date"),
          "sex",
          "household_no",
          "resident",
        ])
        .where("municipality_id", "=", municipalityId)
        .where("run_id", "=", runId)
        .orderBy("person_id")
        .execute();
      return rows.map((r) => ({
        personId: r.person_id,
        residentNos: r.resident_nos,
        name: r.name,
        nameKana: r.name_kana,
        birthDate: r.birth_date,
        sex: r.sex,
        householdNo: r.household_no,
        resident: r.resident,
      }));
    },
  };
}

/** Writes a whole run in one transaction on its own connection; returns the run id. */
export async function saveLinkRun(url: string, run: RunToStore): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  // The server going away mid-write fails the running query (and so the run);
  // an 'error' event with no listener would instead crash the process.
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("BEGIN");
    const r = await client.query<{ id: number }>(
      `INSERT INTO link_run (municipality_id, as_of, snapshot_ids, settings, model, assignment, stats, actor, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9::boolean THEN NULL ELSE now() END) RETURNING id`,
      [
        run.municipalityId,
        run.asOf,
        run.snapshotIds,
        JSON.stringify(run.settings),
        JSON.stringify(run.model),
        JSON.stringify(run.assignment),
        JSON.stringify(run.stats),
        run.actor,
        run.pending === true,
      ],
    );
    const runId = (r.rows[0] as { id: number }).id;
    const prefix = `${runId}\t${run.municipalityId}\t`;
    const copy = (statement: string, lines: Iterable<string>) =>
      copyLines(client, statement, lines);
    await copy(
      "COPY link_person (run_id, municipality_id, person_id, resident_nos, name, name_kana, birth_date, sex, household_no, resident) FROM STDIN",
      (function* () {
        for (const p of run.persons)
          yield `${prefix}${[
            copyCell(p.personId),
            copyCell(textArray(p.residentNos)),
            copyCell(p.name),
            copyCell(p.nameKana),
            copyCell(p.birthDate),
            copyCell(p.sex),
            copyCell(p.householdNo),
            p.resident ? "t" : "f",
          ].join("\t")}\n`;
      })(),
    );
    await copy(
      "COPY link_record (run_id, municipality_id, snapshot_id, row_no, source_id, file_name, person_id, method, probability, profile_key, levels, weights) FROM STDIN",
      (function* () {
        for (const l of run.links)
          yield `${prefix}${[
            String(l.snapshotId),
            String(l.rowNo),
            copyCell(l.sourceId),
            copyCell(l.fileName),
            copyCell(l.personId),
            l.method,
            copyCell(l.probability),
            copyCell(l.profileKey),
            copyCell(numberArray(l.levels)),
            copyCell(numberArray(l.weights)),
          ].join("\t")}\n`;
      })(),
    );
    await copy(
      "COPY link_review (run_id, municipality_id, left_key, right_key, left_person, right_person, weight, probability, reason, explanation) FROM STDIN",
      (function* () {
        for (const v of run.reviews)
          yield `${prefix}${[
            copyCell(v.leftKey),
            copyCell(v.rightKey),
            copyCell(v.leftPerson),
            copyCell(v.rightPerson),
            copyCell(v.weight),
            copyCell(v.probability),
            copyCell(v.reason),
            copyCell(JSON.stringify(v.explanation)),
          ].join("\t")}\n`;
      })(),
    );
    await copy(
      "COPY link_mother_child (run_id, municipality_id, snapshot_id, row_no, source_id, file_name, mother_person_id, child_person_id, method) FROM STDIN",
      (function* () {
        for (const m of run.motherChild ?? [])
          yield `${prefix}${[
            String(m.snapshotId),
            String(m.rowNo),
            copyCell(m.sourceId),
            copyCell(m.fileName),
            copyCell(m.motherPersonId),
            copyCell(m.childPersonId),
            m.method,
          ].join("\t")}\n`;
      })(),
    );
    await client.query("COMMIT");
    return runId;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    await client.end().catch(() => {});
  }
}
