/**
 * Rule versions and scoring runs (0004-scoring), plus the one read a scoring
 * run needs from the linkage and import tables: every stored row of a
 * linkage run with the person it was linked to. A run is written in one
 * transaction on its own connection, item results and scores by COPY.
 */
import { sql } from "kysely";
import pg from "pg";
import type { Evidence } from "../domain/items/evidence.ts";
import type { RuleSet } from "../domain/scoring/rules.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import type { Value } from "../domain/validate.ts";
import { copyCell, copyOutFlat, integer, interner, ORDERED_READ, textArray } from "./copy.ts";
import type { Database } from "./database.ts";
import { type FieldReader, jsonFieldReader } from "./json-fields.ts";
import { runPartitionWriter } from "./run-partition.ts";
import { beginScoped } from "./scope.ts";
import { scopedStream } from "./scoped-driver.ts";

export interface StoredRuleVersion {
  readonly id: number;
  readonly label: string;
  readonly effectiveFrom: IsoDate;
  readonly note: string;
  readonly rules: RuleSet;
  readonly actor: string;
  readonly createdAt: Date;
}

export interface ScoreRunSummaryRow {
  readonly id: number;
  readonly linkRunId: number;
  readonly ruleVersionId: number;
  readonly ruleVersion: string;
  readonly asOf: IsoDate;
  readonly snapshotIds: readonly number[];
  readonly codeVersion: string;
  readonly catalogVersion: string;
  readonly difficulties: readonly string[];
  readonly stats: unknown;
  readonly createdAt: Date;
}

/** A stored row of a linkage run with its person (null: linked to nobody). */
export interface LinkedStoredRow {
  readonly snapshotId: number;
  readonly rowNo: number;
  readonly sourceId: SourceId;
  readonly fileName: string;
  readonly personId: string | null;
  readonly asOf: IsoDate;
  readonly data: Readonly<Record<string, Value>>;
}

/** A person of a link run as scoring reads it (streamPersonFacts). */
export interface PersonFactsRow {
  readonly personId: string;
  readonly residentNos: readonly string[];
  readonly birthDate: string | null;
  readonly sex: string | null;
}

export interface ItemToStore {
  readonly personId: string;
  readonly itemId: string;
  readonly evidence: Evidence;
}

export interface ResultToStore {
  readonly personId: string;
  readonly typeIndex: number;
  readonly difficulty: string;
  readonly applicable: boolean;
  readonly score: number;
  readonly threshold: number;
  readonly flagged: boolean;
  readonly totalPoints: number;
  readonly excludedBy: readonly string[];
}

export interface ScoreRunToStore {
  readonly municipalityId: number;
  readonly linkRunId: number;
  readonly ruleVersionId: number;
  readonly asOf: IsoDate;
  readonly snapshotIds: readonly number[];
  readonly codeVersion: string;
  readonly catalogVersion: string;
  readonly difficulties: readonly string[];
  readonly stats: unknown;
  readonly actor: string;
  readonly items: Iterable<ItemToStore>;
  readonly results: Iterable<ResultToStore>;
  /** Written unpublished: a monthly run publishes it (pipeline/run.ts). Default: complete at once. */
  readonly pending?: boolean;
}

export interface StoredItem {
  readonly personId: string;
  readonly itemId: string;
  readonly evidence: Evidence;
}

export interface StoredResult {
  readonly personId: string;
  readonly difficulty: string;
  readonly applicable: boolean;
  readonly score: number;
  readonly threshold: number;
  readonly flagged: boolean;
  readonly totalPoints: number;
  readonly excludedBy: readonly string[];
}

/**
 * The query of {@link createScoringRepository}'s streamLinkedRows for one snapshot of a
 * link run (exported for the plan test, db/run-statistics.test.ts): its stored rows the run
 * linked, in row order — row number, person id, 抽出日 (a date: ISO text under the read's
 * `DateStyle = ISO`) and the row's JSON. `sources`: quoted literals, or undefined for all.
 * Both sides are bounded to the snapshot: a municipality's import_row holds every month it
 * keeps. What is the same for every row of the snapshot (its id, source and file name: the
 * link stage writes the snapshot's own, pipeline/linkage.ts readLinkInput) is not sent per
 * row: on city seed 1 that was about a third of the statement's PostgreSQL CPU (with
 * `to_char` per row).
 */
export function linkedRowsQuery(
  municipalityId: number,
  linkRunId: number,
  snapshotId: number,
  sources?: readonly string[],
): string {
  const mid = integer(municipalityId);
  const snapshot = integer(snapshotId);
  return `SELECT l.row_no, l.person_id, r.as_of, r.data
          FROM link_record l
          JOIN import_row r ON r.snapshot_id = l.snapshot_id AND r.row_no = l.row_no
                           AND r.municipality_id = l.municipality_id
          WHERE l.municipality_id = ${mid} AND l.run_id = ${integer(linkRunId)}
            AND l.snapshot_id = ${snapshot}
            ${sources === undefined ? "" : `AND l.source_id IN (${sources.join(", ")})`}
            AND r.municipality_id = ${mid} AND r.snapshot_id = ${snapshot} AND r.data IS NOT NULL
          ORDER BY l.row_no`;
}

/**
 * A stored row's values: the whole JSON, or with `only` just its columns (absent or blank
 * ones left out, as the JSON leaves them out).
 */
function dataOf(
  text: string,
  only: { readonly columns: readonly string[]; readonly read: FieldReader } | undefined,
): Record<string, Value> {
  if (only === undefined) return JSON.parse(text) as Record<string, Value>;
  const values: Value[] = new Array(only.columns.length).fill(null);
  if (!only.read(text, values)) return JSON.parse(text) as Record<string, Value>;
  const data: Record<string, Value> = {};
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as Value;
    if (v !== null) data[only.columns[i] as string] = v;
  }
  return data;
}

export function createScoringRepository(db: Database) {
  /** A scoring run by id, or the newest when `runId` is undefined. */
  async function findScoreRun(
    municipalityId: number,
    runId: number | undefined,
  ): Promise<ScoreRunSummaryRow | undefined> {
    let q = db
      .selectFrom("score_run as s")
      .innerJoin("rule_version as v", (j) =>
        j
          .onRef("v.id", "=", "s.rule_version_id")
          .onRef("v.municipality_id", "=", "s.municipality_id"),
      )
      .select([
        "s.id",
        "s.link_run_id",
        "s.rule_version_id",
        "v.label",
        sql<string>`to_char(s.as_of, 'YYYY-MM-DD')`.as("as_of"),
        "s.snapshot_ids",
        "s.code_version",
        "s.catalog_version",
        "s.difficulties",
        "s.stats",
        "s.created_at",
      ])
      .where("s.municipality_id", "=", municipalityId);
    // Only completed runs: one still being written, or left by a run that
    // died, is neither the latest nor reachable by id (0015-run-job).
    q = q.where("s.completed_at", "is not", null);
    if (runId !== undefined) q = q.where("s.id", "=", runId);
    const r = await q.orderBy("s.id", "desc").limit(1).executeTakeFirst();
    if (!r) return undefined;
    return {
      id: r.id,
      linkRunId: r.link_run_id,
      ruleVersionId: r.rule_version_id,
      ruleVersion: r.label,
      asOf: r.as_of as IsoDate,
      snapshotIds: r.snapshot_ids,
      codeVersion: r.code_version,
      catalogVersion: r.catalog_version,
      difficulties: r.difficulties,
      stats: r.stats,
      createdAt: r.created_at,
    };
  }

  return {
    findScoreRun,

    /** Every rule version of a municipality, oldest effective date first. */
    async listRuleVersions(municipalityId: number): Promise<StoredRuleVersion[]> {
      const rows = await db
        .selectFrom("rule_version")
        .select([
          "id",
          "label",
          sql<string>`to_char(effective_from, 'YYYY-MM-DD')`.as("effective_from"),
          "note",
          "rules",
          "actor",
          "created_at",
        ])
        .where("municipality_id", "=", municipalityId)
        .orderBy("effective_from")
        .orderBy("id")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        label: r.label,
        effectiveFrom: r.effective_from as IsoDate,
        note: r.note,
        rules: r.rules as RuleSet,
        actor: r.actor,
        createdAt: r.created_at,
      }));
    },

    /** Stores a rule version; its label must be new for the municipality. */
    async insertRuleVersion(
      municipalityId: number,
      v: { label: string; effectiveFrom: IsoDate; note: string; rules: RuleSet },
      actor: string,
    ): Promise<number> {
      const r = await db
        .insertInto("rule_version")
        .values({
          municipality_id: municipalityId,
          label: v.label,
          effective_from: v.effectiveFrom,
          note: v.note,
          rules: JSON.stringify(v.rules),
          actor,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return r.id;
    },

    /** The newest scoring run of a municipality. */
    latestScoreRun(municipalityId: number): Promise<ScoreRunSummaryRow | undefined> {
      return findScoreRun(municipalityId, undefined);
    },

    /**
     * Every stored row of the snapshots a linkage run read (or of the given
     * sources only), with the person it was linked to, in (snapshot, row) order,
     * in batches as the server sends them.
     *
     * One `COPY (SELECT …) TO STDOUT` per snapshot of the run, in snapshot order, in one
     * transaction (issue 15), instead of paged SELECTs: the
     * pages were row-number ranges sorted in Node with the next page read ahead,
     * and each row came back as a result object whose JSON pg parsed; COPY sends
     * the rows as text that {@link copyOut} splits per chunk, so the read costs
     * Node about half the CPU (city: 1.2 → 0.6 s) and holds no page. The order
     * comes from a merge join of the two primary keys; the transaction turns hash
     * joins, nested loops and sorts off so that it does whatever the statistics
     * say (right after a bulk load there are none: a keyset page once sorted every
     * remaining row, O(rows²)), and nothing spills (an ORDER BY above a hash join
     * spilled every page to disk at `work_mem` 4 MB).
     */
    async *streamLinkedRows(
      municipalityId: number,
      linkRunId: number,
      options: {
        readonly sources?: readonly string[];
        /**
         * Per source, the only columns its rows' `data` needs to hold: those rows' JSON is
         * scanned for them (db/json-fields.ts) instead of parsed whole — the 住基 rows, about
         * 40 % of a run's JSON, of which scoring uses five columns (build-facts.ts).
         */
        readonly columnsOf?: ReadonlyMap<string, readonly string[]>;
      } = {},
    ): AsyncGenerator<LinkedStoredRow[]> {
      if (options.sources !== undefined && options.sources.length === 0) return;
      const run = await db
        .selectFrom("link_run")
        .select("snapshot_ids")
        .where("municipality_id", "=", municipalityId)
        .where("id", "=", linkRunId)
        .executeTakeFirst();
      const snapshots = [...(run?.snapshot_ids ?? [])].sort((x, y) => x - y);
      // Each snapshot's source and file name, once (not per row).
      const meta =
        snapshots.length === 0
          ? []
          : await db
              .selectFrom("import_snapshot")
              .select(["id", "source_id", "file_name"])
              .where("municipality_id", "=", municipalityId)
              .where("id", "in", snapshots)
              .execute();
      const snapshotOf = new Map(meta.map((m) => [m.id, m]));
      // Kept by the population for every row: one flat copy of each (db/copy.ts interner).
      const intern = interner();
      const readers = new Map(
        [...(options.columnsOf ?? [])].map(([source, columns]) => [
          source,
          { columns, read: jsonFieldReader(columns) },
        ]),
      );
      yield* scopedStream(db, async function* (client) {
        await client.query(`${ORDERED_READ}; SET LOCAL DateStyle = ISO`);
        const sources = options.sources?.map((x) => client.escapeLiteral(x));
        for (const snapshotId of snapshots) {
          const statement = `COPY (${linkedRowsQuery(municipalityId, linkRunId, snapshotId, sources)}) TO STDOUT`;
          const m = snapshotOf.get(snapshotId);
          // import_snapshot and import_row share their row security (0040: council-only
          // sources), so a snapshot not seen has no rows seen either; were it otherwise, its
          // rows would have no source to go by: refused, never dropped.
          const sourceId = m === undefined ? undefined : (intern(m.source_id) as SourceId);
          const fileName = m === undefined ? undefined : intern(m.file_name);
          const read = sourceId === undefined ? undefined : readers.get(sourceId);
          // 抽出日 is usually one date for a whole snapshot: compared before it is interned.
          let lastAsOf = "";
          let asOf = "" as IsoDate;
          for await (const f of copyOutFlat(client, statement)) {
            if (sourceId === undefined || fileName === undefined)
              throw new Error(`link run ${linkRunId}: rows of snapshot ${snapshotId} without it`);
            const rows: LinkedStoredRow[] = new Array(f.length / 4);
            for (let i = 0, at = 0; at < f.length; i++, at += 4) {
              const day = f[at + 2] as string;
              if (day !== lastAsOf) {
                lastAsOf = day;
                asOf = intern(day) as IsoDate;
              }
              rows[i] = {
                snapshotId,
                rowNo: Number(f[at]),
                sourceId,
                fileName,
                personId: f[at + 1] ?? null,
                asOf,
                data: dataOf(f[at + 3] as string, read),
              };
            }
            yield rows;
          }
        }
      });
    },

    /**
     * What scoring needs of a link run's persons (id, 宛名番号, birth date, sex — not the
     * names `listPersons` adds for exports), ordered by person id, in one COPY streamed
     * like {@link streamLinkedRows}: a metro run has about 750,000 persons, read by
     * Kysely as one array of result objects and then copied into another.
     */
    async *streamPersonFacts(
      municipalityId: number,
      linkRunId: number,
    ): AsyncGenerator<PersonFactsRow[]> {
      const statement = `COPY (
        SELECT person_id, array_to_json(resident_nos), to_char(birth_date, 'YYYY-MM-DD'), sex
        FROM link_person
        WHERE municipality_id = ${integer(municipalityId)} AND run_id = ${integer(linkRunId)}
        ORDER BY person_id) TO STDOUT`;
      yield* scopedStream(db, async function* (client) {
        await client.query(ORDERED_READ);
        for await (const f of copyOutFlat(client, statement)) {
          const persons: PersonFactsRow[] = new Array(f.length / 4);
          for (let i = 0, at = 0; at < f.length; i++, at += 4) {
            const nos = f[at + 1];
            persons[i] = {
              personId: f[at] as string,
              residentNos: nos == null ? [] : (JSON.parse(nos) as string[]),
              birthDate: f[at + 2] ?? null,
              sex: f[at + 3] ?? null,
            };
          }
          yield persons;
        }
      });
    },

    /**
     * What scoring needs of a link run's mother–child attribution (link_mother_child): per
     * 妊婦/産婦健診 row (snapshot, row number), the child or children it was attributed to, in
     * one COPY streamed like {@link streamLinkedRows}, in the primary key's order. A metro
     * run holds about a million lines; `listMotherChildLinks` (linkage.repository.ts, seven
     * columns as result objects, sorted by source and file name) is for the child view.
     */
    async *streamMotherChildren(
      municipalityId: number,
      linkRunId: number,
    ): AsyncGenerator<{ snapshotId: number; rowNo: number; childPersonId: string }[]> {
      const statement = `COPY (
        SELECT snapshot_id, row_no, child_person_id FROM link_mother_child
        WHERE municipality_id = ${integer(municipalityId)} AND run_id = ${integer(linkRunId)}
        ORDER BY snapshot_id, row_no, child_person_id) TO STDOUT`;
      // Kept for the run (a mother row's children), and repeated: one flat copy of each.
      const intern = interner();
      yield* scopedStream(db, async function* (client) {
        await client.query(ORDERED_READ);
        for await (const f of copyOutFlat(client, statement)) {
          const links: { snapshotId: number; rowNo: number; childPersonId: string }[] = new Array(
            f.length / 3,
          );
          for (let i = 0, at = 0; at < f.length; i++, at += 3)
            links[i] = {
              snapshotId: Number(f[at]),
              rowNo: Number(f[at + 1]),
              childPersonId: intern(f[at + 2] as string),
            };
          yield links;
        }
      });
    },

    /** Items that hold in a run, by person and item, in pages. */
    async *streamItems(
      municipalityId: number,
      runId: number,
      pageSize = 20_000,
    ): AsyncGenerator<StoredItem[]> {
      let after: { person: string; item: string } | null = null;
      while (true) {
        let q = db
          .selectFrom("score_item")
          .select(["person_id", "item_id", "evidence"])
          .where("municipality_id", "=", municipalityId)
          .where("run_id", "=", runId);
        if (after)
          q = q.where(sql<boolean>`(person_id, item_id) > (${after.person}, ${after.item})`);
        const page = await q.orderBy("person_id").orderBy("item_id").limit(pageSize).execute();
        if (page.length === 0) break;
        yield page.map((r) => ({
          personId: r.person_id,
          itemId: r.item_id,
          evidence: r.evidence as Evidence,
        }));
        const last = page.at(-1) as (typeof page)[number];
        after = { person: last.person_id, item: last.item_id };
        if (page.length < pageSize) break;
      }
    },

    /** Scores of a run, by person and type (rule order), in pages. */
    async *streamResults(
      municipalityId: number,
      runId: number,
      pageSize = 20_000,
    ): AsyncGenerator<StoredResult[]> {
      let after: { person: string; type: number } | null = null;
      while (true) {
        let q = db
          .selectFrom("score_result")
          .select([
            "person_id",
            "type_index",
            "difficulty",
            "applicable",
            "score",
            "threshold",
            "flagged",
            "total_points",
            "excluded_by",
          ])
          .where("municipality_id", "=", municipalityId)
          .where("run_id", "=", runId);
        if (after)
          q = q.where(sql<boolean>`(person_id, type_index) > (${after.person}, ${after.type})`);
        const page = await q.orderBy("person_id").orderBy("type_index").limit(pageSize).execute();
        if (page.length === 0) break;
        yield page.map((r) => ({
          personId: r.person_id,
          difficulty: r.difficulty,
          applicable: r.applicable,
          score: r.score,
          threshold: r.threshold,
          flagged: r.flagged,
          totalPoints: r.total_points,
          excludedBy: r.excluded_by,
        }));
        const last = page.at(-1) as (typeof page)[number];
        after = { person: last.person_id, type: last.type_index };
        if (page.length < pageSize) break;
      }
    },
  };
}

export type ScoringRepository = ReturnType<typeof createScoringRepository>;

/** Writes a whole scoring run in one transaction on its own connection; returns the run id. */
export async function saveScoreRun(url: string, run: ScoreRunToStore): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  // The server going away mid-write fails the running query (and so the run);
  // an 'error' event with no listener would instead crash the process.
  client.on("error", () => {});
  await client.connect();
  try {
    await beginScoped(client);
    const r = await client.query<{ id: number }>(
      `INSERT INTO score_run (municipality_id, link_run_id, rule_version_id, as_of, snapshot_ids,
         code_version, catalog_version, difficulties, stats, actor, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
         CASE WHEN $11::boolean THEN NULL ELSE now() END) RETURNING id`,
      [
        run.municipalityId,
        run.linkRunId,
        run.ruleVersionId,
        run.asOf,
        run.snapshotIds,
        run.codeVersion,
        run.catalogVersion,
        run.difficulties,
        JSON.stringify(run.stats),
        run.actor,
        run.pending === true,
      ],
    );
    const runId = (r.rows[0] as { id: number }).id;
    const prefix = `${runId}\t${run.municipalityId}\t`;
    // Straight into the tables when row security allows (db/copy.ts): every line is this
    // municipality's (prefix); score_item has no council-only policy (migration 0040).
    // score_item and score_result: one fresh table each for this run, indexed after the load
    // and attached as the run's partitions (db/run-partition.ts, 0067).
    const parts = await runPartitionWriter(client, run.municipalityId, runId, "score_run");
    await parts.copy(
      "score_item",
      "COPY score_item (run_id, municipality_id, person_id, item_id, evidence) FROM STDIN",
      (function* () {
        for (const it of run.items)
          yield `${prefix}${copyCell(it.personId)}\t${copyCell(it.itemId)}\t${copyCell(JSON.stringify(it.evidence))}\n`;
      })(),
    );
    await parts.copy(
      "score_result",
      "COPY score_result (run_id, municipality_id, person_id, type_index, difficulty, applicable, score, threshold, flagged, total_points, excluded_by) FROM STDIN",
      // One template per line (metro: 2.4 M), not an array of cells joined; most children
      // are excluded by nothing, whose array literal is {}.
      (function* () {
        for (const s of run.results)
          yield `${prefix}${copyCell(s.personId)}\t${s.typeIndex}\t${copyCell(s.difficulty)}\t${s.applicable ? "t" : "f"}\t${s.score}\t${s.threshold}\t${s.flagged ? "t" : "f"}\t${s.totalPoints}\t${s.excludedBy.length === 0 ? "{}" : copyCell(textArray(s.excludedBy))}\n`;
      })(),
    );
    await parts.attach();
    await client.query("COMMIT");
    return runId;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    await client.end();
  }
}
