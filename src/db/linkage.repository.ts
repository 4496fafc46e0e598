/**
 * 名寄せ runs, persons, links, review queue and decisions (0003-linkage), and
 * the child of each mother-keyed checkup row (0006-mother-child).
 * Reads go through Kysely; a run is written in one transaction on its own
 * connection, links by COPY (a city has hundreds of thousands of rows).
 */
import { sql } from "kysely";
import pg from "pg";
import type { GaijiTable } from "../domain/ja/name.ts";
import { searchKeyMaker } from "../domain/ja/search-key.ts";
import { AnchorAssignment, AnchorIdentityBuilder } from "../domain/linkage/anchors.ts";
import { type DecisionRow, decisionsInForce, orderedPair } from "../domain/linkage/decisions.ts";
import type { Waterfall } from "../domain/linkage/explain.ts";
import type { TrainedModel } from "../domain/linkage/model.ts";
import type { PersonIdAssignment, PersonIdState } from "../domain/linkage/person-ids.ts";
import type { LinkageSettings } from "../domain/linkage/settings.ts";
import type { LinkMethod, ReviewDecision } from "../domain/linkage/types.ts";
import type { IsoDate } from "../domain/types.ts";
import {
  bulkWriter,
  bypassingRowSecurity,
  type CopyChunk,
  copyCell,
  copyLines,
  copyText,
  numberArray,
  textArray,
} from "./copy.ts";
import type { Database } from "./database.ts";
import { runPartitionWriter } from "./run-partition.ts";
import { APP_ROLE, beginScoped, runsAsOwner } from "./scope.ts";

export interface LinkRunSummary {
  readonly id: number;
  readonly asOf: IsoDate;
  readonly snapshotIds: readonly number[];
  readonly createdAt: Date;
}

export interface StoredRun extends LinkRunSummary {
  readonly settings: LinkageSettings;
  readonly model: TrainedModel;
}

/** A split or merge of earlier persons (0020-durable-linkage). */
export interface PersonEventToStore {
  readonly kind: "split" | "merge";
  readonly personId: string;
  readonly otherPersonId: string;
  readonly shared: number;
  readonly cause: "decision" | "data";
  readonly explanation: string;
}

/** A decision to append to the trail. */
export interface DecisionToStore {
  readonly leftKey: string;
  readonly rightKey: string;
  readonly same: boolean;
  readonly leftAnchors: readonly string[];
  readonly rightAnchors: readonly string[];
  readonly runId: number | null;
  readonly leftPerson: string | null;
  readonly rightPerson: string | null;
}

/** One row of the decision trail, as a reviewer or auditor sees it. */
export interface StoredDecision extends DecisionRow {
  readonly decidedBy: string;
  readonly decidedAt: Date;
  readonly runId: number | null;
  readonly leftPerson: string | null;
  readonly rightPerson: string | null;
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
  readonly leftAnchors: readonly string[];
  readonly rightAnchors: readonly string[];
  readonly pairs: number;
  /** Rows one decision settles (rows of 要対協 / 一時保護 not counted). */
  readonly rows: number;
  readonly sources: readonly string[];
  readonly schools: readonly string[];
  readonly leftSources: readonly string[];
  readonly rightSources: readonly string[];
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
  /** This run's anchors → person ids and the next fresh number (merged into link_identity). */
  readonly assignment: PersonIdAssignment;
  /**
   * The state the run started from (link_identity as loadIdentity read it): only anchors
   * that are new or whose person changed are written. Default: every anchor of the run.
   */
  readonly previousIds?: ReadonlyMap<string, string>;
  readonly events?: readonly PersonEventToStore[];
  readonly stats: unknown;
  readonly actor: string;
  readonly persons: readonly PersonToStore[];
  readonly links: Iterable<LinkToStore>;
  readonly reviews: readonly ReviewToStore[];
  /** The child of each mother-keyed row (0006-mother-child). */
  readonly motherChild?: Iterable<MotherChildToStore>;
  /** The municipality's 外字 table: search keys are made of the names it resolves. */
  readonly gaiji?: GaijiTable;
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

/** municipality_setting key of a municipality's linkage settings. */
const LINKAGE_SETTINGS_KEY = "linkage_settings";

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
    };
  }

  return {
    /**
     * The newest completed run of a municipality, with what the next run
     * needs of it. A run still being written (or left by a run that died) has
     * no `completed_at` and is never the latest (0015-run-job).
     */
    /** The municipality's own linkage settings (`mimamori linkage settings set`), if any. */
    async storedSettings(
      municipalityId: number,
    ): Promise<{ value: unknown; actor: string; updatedAt: Date } | undefined> {
      const r = await db
        .selectFrom("municipality_setting")
        .select(["value", "actor", "updated_at"])
        .where("municipality_id", "=", municipalityId)
        .where("key", "=", LINKAGE_SETTINGS_KEY)
        .executeTakeFirst();
      return r && { value: r.value, actor: r.actor, updatedAt: r.updated_at };
    },

    async saveSettings(municipalityId: number, value: unknown, actor: string): Promise<void> {
      await sql`INSERT INTO municipality_setting (municipality_id, key, value, actor)
        VALUES (${municipalityId}, ${LINKAGE_SETTINGS_KEY}, ${JSON.stringify(value)}::jsonb, ${actor})
        ON CONFLICT (municipality_id, key) DO UPDATE SET value = EXCLUDED.value,
          actor = EXCLUDED.actor, updated_at = now()`.execute(db);
    },

    /** Back to the built-in settings; true when there were settings of its own. */
    async clearSettings(municipalityId: number): Promise<boolean> {
      const r = await db
        .deleteFrom("municipality_setting")
        .where("municipality_id", "=", municipalityId)
        .where("key", "=", LINKAGE_SETTINGS_KEY)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

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

    /**
     * The person-id state: every anchor's person and the next fresh number. Read in keyset
     * pages of the primary key; grows with persons, not runs. Held packed (domain/linkage/
     * anchors.ts AnchorIdentity): a metro's 4.9 million anchors as a Map of strings were
     * about 0.5 GB for the whole link stage of every month after the first.
     */
    async loadIdentity(municipalityId: number): Promise<PersonIdState> {
      const counter = await db
        .selectFrom("link_id_counter")
        .select("next_seq")
        .where("municipality_id", "=", municipalityId)
        .executeTakeFirst();
      const byKey = new AnchorIdentityBuilder();
      let after = "";
      for (;;) {
        const page = await db
          .selectFrom("link_identity")
          .select(["anchor", "person_id"])
          .where("municipality_id", "=", municipalityId)
          .where("anchor", ">", after)
          .orderBy("anchor")
          .limit(50_000)
          .execute();
        for (const r of page) byKey.set(r.anchor, r.person_id);
        if (page.length < 50_000) break;
        after = (page.at(-1) as { anchor: string }).anchor;
      }
      return { nextSeq: counter?.next_seq ?? 1, byKey: byKey.finish() };
    },

    /** Every row of the decision trail, oldest first (nothing is ever removed from it). */
    async listDecisionTrail(municipalityId: number): Promise<StoredDecision[]> {
      const rows = await db
        .selectFrom("link_decision")
        .select([
          "id",
          "left_key",
          "right_key",
          "same",
          "action",
          "reverses_id",
          "left_anchors",
          "right_anchors",
          "decided_by",
          "decided_at",
          "run_id",
          "left_person",
          "right_person",
        ])
        .where("municipality_id", "=", municipalityId)
        .orderBy("id")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        leftKey: r.left_key,
        rightKey: r.right_key,
        same: r.same,
        action: r.action === "undo" ? "undo" : "decide",
        reversesId: r.reverses_id,
        leftAnchors: r.left_anchors,
        rightAnchors: r.right_anchors,
        decidedBy: r.decided_by,
        decidedAt: r.decided_at,
        runId: r.run_id,
        leftPerson: r.left_person,
        rightPerson: r.right_person,
      }));
    },

    /** The decisions in force (newest per pair, unless undone), as the linkage takes them. */
    async listDecisions(municipalityId: number): Promise<ReviewDecision[]> {
      const trail = await this.listDecisionTrail(municipalityId);
      return decisionsInForce(trail).map((d) => ({
        left: d.leftKey,
        right: d.rightKey,
        same: d.same,
        leftAnchors: d.leftAnchors,
        rightAnchors: d.rightAnchors,
      }));
    },

    /** Appends a decision to the trail; returns its id. */
    async appendDecision(
      municipalityId: number,
      d: DecisionToStore,
      actor: { userId: number | null; loginName: string },
    ): Promise<number> {
      const swap = d.leftKey > d.rightKey;
      const [left, right] = orderedPair(d.leftKey, d.rightKey);
      const r = await db
        .insertInto("link_decision")
        .values({
          municipality_id: municipalityId,
          left_key: left,
          right_key: right,
          same: d.same,
          left_anchors: [...(swap ? d.rightAnchors : d.leftAnchors)],
          right_anchors: [...(swap ? d.leftAnchors : d.rightAnchors)],
          run_id: d.runId,
          left_person: swap ? d.rightPerson : d.leftPerson,
          right_person: swap ? d.leftPerson : d.rightPerson,
          reverses_id: null,
          decided_by_user_id: actor.userId,
          decided_by: actor.loginName,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return r.id;
    },

    /**
     * Appends the reversal of a decision in force (a new row; the decision stays in the
     * trail). Returns the new row's id, or undefined when `decisionId` is not a decision
     * in force of the municipality.
     */
    async appendUndo(
      municipalityId: number,
      decisionId: number,
      actor: { userId: number | null; loginName: string },
    ): Promise<number | undefined> {
      const trail = await this.listDecisionTrail(municipalityId);
      const target = decisionsInForce(trail).find((d) => d.id === decisionId);
      if (!target) return undefined;
      const r = await db
        .insertInto("link_decision")
        .values({
          municipality_id: municipalityId,
          left_key: target.leftKey,
          right_key: target.rightKey,
          same: target.same,
          action: "undo",
          reverses_id: target.id,
          left_anchors: [...target.leftAnchors],
          right_anchors: [...target.rightAnchors],
          run_id: target.runId,
          left_person: target.leftPerson,
          right_person: target.rightPerson,
          decided_by_user_id: actor.userId,
          decided_by: actor.loginName,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return r.id;
    },

    /**
     * The person of each of `keys` in a run (keys not in the run are absent). For the keys
     * of the run's review items and of decisions (the contradiction check of a new decision):
     * read from link_key_row (0079), which holds those keys' rows; the keys of a decision
     * recorded after the run's store read the trail (`decisions_through`) are looked up in
     * the run's link_record rows instead (a scan of its partition: no index by profile key).
     */
    async personsOfKeys(
      municipalityId: number,
      runId: number,
      keys: readonly string[],
    ): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      const lookUp = async (table: "link_key_row" | "link_record", some: readonly string[]) => {
        for (let i = 0; i < some.length; i += 1000) {
          const rows = await db
            .selectFrom(table)
            .select(["profile_key", "person_id"])
            .distinct()
            .where("municipality_id", "=", municipalityId)
            .where("run_id", "=", runId)
            .where("profile_key", "in", some.slice(i, i + 1000))
            .where("person_id", "is not", null)
            .execute();
          for (const r of rows) if (r.person_id) out.set(r.profile_key, r.person_id);
        }
      };
      await lookUp("link_key_row", keys);
      const wanted = new Set(keys.filter((k) => !out.has(k)));
      if (wanted.size === 0) return out;
      const late = await db
        .selectFrom("link_decision as d")
        .innerJoin("link_run as r", (j) =>
          j.onRef("r.municipality_id", "=", "d.municipality_id").on("r.id", "=", runId),
        )
        .select(["d.left_key", "d.right_key"])
        .where("d.municipality_id", "=", municipalityId)
        .where((eb) =>
          eb.or([
            eb("r.decisions_through", "is", null),
            eb("d.id", ">", eb.ref("r.decisions_through")),
          ]),
        )
        .execute();
      const missing = new Set<string>();
      for (const d of late)
        for (const k of [d.left_key, d.right_key]) if (wanted.has(k)) missing.add(k);
      if (missing.size > 0) await lookUp("link_record", [...missing]);
      return out;
    },

    /** Splits and merges of earlier persons made by a run. */
    async listPersonEvents(municipalityId: number, runId: number): Promise<PersonEventToStore[]> {
      const rows = await db
        .selectFrom("link_person_event")
        .select(["kind", "person_id", "other_person_id", "shared", "cause", "explanation"])
        .where("municipality_id", "=", municipalityId)
        .where("run_id", "=", runId)
        .orderBy("person_id")
        .orderBy("other_person_id")
        .execute();
      return rows.map((r) => ({
        kind: r.kind === "merge" ? "merge" : "split",
        personId: r.person_id,
        otherPersonId: r.other_person_id,
        shared: r.shared,
        cause: r.cause === "decision" ? "decision" : "data",
        explanation: r.explanation,
      }));
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

/**
 * The anchors that pass `keep`, in groups of a common prefix, groups in key order (the
 * order inside a group does not matter). Anchors are a kind letter, a registry flag and a
 * hex hash (domain/linkage/japanese.ts `profileAnchors`), so a prefix just long enough for
 * ~64 anchors a group spreads them evenly; any other shape is still written, only in a less
 * useful order. Linear in the anchors: a full sort of a metro's millions of strings costs
 * seconds of Node time, and an index insert needs locality, not order (issue 15).
 */
export function anchorOrder(
  anchors: Iterable<string>,
  keep: (anchor: string) => boolean,
): string[][] {
  return anchorGroups(anchors, (a) => a, keep);
}

/** {@link anchorOrder} over any items that carry an anchor (`anchorOf`): one pass over them. */
export function anchorGroups<T>(
  items: Iterable<T>,
  anchorOf: (item: T) => string,
  keep: (item: T) => boolean,
): T[][] {
  const all: T[] = [];
  for (const x of items) if (keep(x)) all.push(x);
  // Up to 6 characters as one exact number (< 2^53): each code unit capped at 254, plus one
  // so a shorter anchor sorts first — the strings' order for the ASCII anchors written.
  const width = Math.min(6, 1 + Math.max(0, Math.ceil(Math.log(all.length / 64) / Math.log(16))));
  const groups = new Map<number, T[]>();
  for (const x of all) {
    const a = anchorOf(x);
    let k = 0;
    for (let i = 0; i < width; i++)
      k = k * 256 + (i < a.length ? Math.min(a.charCodeAt(i), 254) + 1 : 0);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [x]);
    else g.push(x);
  }
  return [...groups.keys()].sort((x, y) => x - y).map((k) => groups.get(k) as T[]);
}

/**
 * The link_identity lines of a run's assignment `updates` against `previous`, the state the
 * run started from (undefined: none, every anchor is written): `fresh` anchors (no person in
 * `previous`; without it, all) and `changed` ones (another person now), each line
 * `prefix anchor<TAB>person\n`, grouped by anchor prefix. From the packed anchors when the
 * assignment is an {@link AnchorAssignment} made from `previous` (the monthly run): by anchor
 * number, each line written as bytes with no string per anchor — a metro run's 4.9 million
 * anchors as strings, tuples and groups cost the link store 16 s of Node CPU (issue 15).
 * Otherwise (tests, a state the assignment was not made from) by their strings.
 */
export function identityWrites(
  updates: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, string> | undefined,
): { lines(which: "fresh" | "changed", prefix: string): Iterable<CopyChunk> } {
  const packed = updates instanceof AnchorAssignment ? updates : undefined;
  const numbers = packed?.changesFrom(previous);
  if (packed !== undefined && numbers !== undefined)
    return { lines: (which, prefix) => packedIdentityLines(packed, numbers[which], prefix) };
  const changed: [string, string][] = [];
  const fresh = anchorGroups(
    updates.entries(),
    ([anchor]) => anchor,
    ([anchor, person]) => {
      const before = previous?.get(anchor);
      if (before === undefined) return true;
      if (before !== person) changed.push([anchor, person]);
      return false;
    },
  );
  return {
    *lines(which, prefix) {
      for (const [anchor, person] of which === "fresh" ? fresh.flat() : changed)
        yield `${prefix}${copyCell(anchor)}\t${copyCell(person)}\n`;
    },
  };
}

/** Lines of the anchors `list` (numbers) of `assignment`, written as bytes, 64 KiB a chunk. */
function* packedIdentityLines(
  assignment: AnchorAssignment,
  list: Int32Array,
  prefix: string,
): Generator<Buffer> {
  const start = Buffer.from(prefix, "utf8");
  const size = 1 << 16;
  let out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < list.length; i++) {
    const a = list[i] as number;
    const person = copyText(assignment.personOf(a));
    // Prefix, 18 characters of anchor, tab, the person id in UTF-8 (≤ 3 bytes a unit), newline.
    if (at + start.length + 20 + person.length * 3 > size) {
      // A new buffer: the stream may still hold the one handed on.
      yield out.subarray(0, at);
      out = Buffer.allocUnsafe(size);
      at = 0;
    }
    at += start.copy(out, at);
    at = assignment.table.writeAnchor(a, out, at);
    out[at++] = 9;
    at += out.write(person, at, "utf8");
    out[at++] = 10;
  }
  if (at > 0) yield out.subarray(0, at);
}

/**
 * On an installation's first run, when link_identity holds no row of any municipality (a
 * metro's first month writes 4.9 million anchors): drops its primary key, so that the COPY
 * only fills the heap and the caller re-adds the key (the returned `name definition`) once,
 * by sort — per-row inserts into the key cost the store's backend about 1.5× the CPU and
 * WAL (docs/benchmarks.md). Only for a login that owns the table and bypasses row security
 * (so "empty" means every municipality's rows), when no foreign key references the key;
 * the table stays locked (ACCESS EXCLUSIVE) until the run commits, so nothing else writes
 * into it meanwhile. Undefined, and nothing changed, otherwise.
 */
async function deferIdentityKey(client: pg.ClientBase): Promise<string | undefined> {
  return bypassingRowSecurity(client, runsAsOwner() ? null : APP_ROLE, async () => {
    const r = await client.query<{ name: string | null; key: string | null; allowed: boolean }>(
      `SELECT k.conname AS name, quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid) AS key,
              pg_has_role(session_user, c.relowner, 'USAGE')
              AND (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = session_user)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = c.oid) AS allowed
       FROM pg_class c LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
       WHERE c.oid = 'link_identity'::regclass`,
    );
    const { name, key, allowed } = r.rows[0] ?? { name: null, key: null, allowed: false };
    if (!allowed || name === null || key === null) return undefined;
    const empty = async () =>
      (await client.query("SELECT 1 FROM link_identity LIMIT 1")).rowCount === 0;
    // Looked at before locking: a table with rows is never locked for the rest of the run.
    if (!(await empty())) return undefined;
    await client.query("LOCK TABLE link_identity IN ACCESS EXCLUSIVE MODE");
    if (!(await empty())) return undefined;
    await client.query(`ALTER TABLE link_identity DROP CONSTRAINT "${name.replace(/"/g, '""')}"`);
    return key;
  });
}

/** Writes a whole run in one transaction on its own connection; returns the run id. */
export async function saveLinkRun(url: string, run: RunToStore): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  // The server going away mid-write fails the running query (and so the run);
  // an 'error' event with no listener would instead crash the process.
  client.on("error", () => {});
  await client.connect();
  try {
    await beginScoped(client);
    // The keys whose link_record rows also go into link_key_row (0079): every decision's
    // and (below) the review items'. Read under a SHARE lock that waits for decisions being
    // recorded and is released at once (a rolled-back savepoint), so every decision with an
    // id up to the highest read is among them; a later one is looked up in link_record.
    await client.query("SAVEPOINT decision_keys");
    await client.query("LOCK TABLE link_decision IN SHARE MODE");
    const decided = await client.query<{ id: number; left_key: string; right_key: string }>(
      "SELECT id, left_key, right_key FROM link_decision WHERE municipality_id = $1",
      [run.municipalityId],
    );
    await client.query("ROLLBACK TO SAVEPOINT decision_keys");
    const keys = new Set<string>();
    let decisionsThrough = 0;
    for (const d of decided.rows) {
      keys.add(d.left_key);
      keys.add(d.right_key);
      if (d.id > decisionsThrough) decisionsThrough = d.id;
    }
    for (const v of run.reviews) {
      keys.add(v.leftKey);
      keys.add(v.rightKey);
    }
    const r = await client.query<{ id: number }>(
      `INSERT INTO link_run (municipality_id, as_of, snapshot_ids, settings, model, stats, actor, completed_at, decisions_through)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::boolean THEN NULL ELSE now() END, $9) RETURNING id`,
      [
        run.municipalityId,
        run.asOf,
        run.snapshotIds,
        JSON.stringify(run.settings),
        JSON.stringify(run.model),
        JSON.stringify(run.stats),
        run.actor,
        run.pending === true,
        decisionsThrough,
      ],
    );
    const runId = (r.rows[0] as { id: number }).id;
    const prefix = `${runId}\t${run.municipalityId}\t`;
    const copy = (statement: string, lines: Iterable<CopyChunk>) =>
      copyLines(client, statement, lines);
    // The large tables: straight into the table when row security allows (db/copy.ts).
    // Per-row foreign-key checks of run_id skipped where proven safe (db/copy.ts).
    const bulk = await bulkWriter(client, run.municipalityId, { table: "link_run", id: runId });
    // link_person, person_search_key and link_record: one fresh table each for this run, indexed
    // after the load and attached as the run's partitions (db/run-partition.ts, 0064).
    const parts = await runPartitionWriter(client, run.municipalityId, runId);
    await parts.copy(
      "link_person",
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
    // Name search keys (0055-child-views), with the run so a search never sees a half-written run.
    await parts.copy(
      "person_search_key",
      "COPY person_search_key (run_id, municipality_id, person_id, key) FROM STDIN",
      (function* () {
        // Each name token folded once for the whole run (search-key.ts searchKeyMaker).
        const searchKeys = searchKeyMaker(run.gaiji);
        for (const p of run.persons)
          for (const key of searchKeys(p.name, p.nameKana))
            yield `${prefix}${copyCell(p.personId)}\t${copyCell(key)}\n`;
      })(),
    );
    // link_key_row's lines (0079), collected in link_record's one pass over the links.
    const keyRows: string[] = [];
    await parts.copy(
      "link_record",
      "COPY link_record (run_id, municipality_id, snapshot_id, row_no, source_id, file_name, person_id, method, probability, profile_key, levels, weights) FROM STDIN",
      (function* () {
        for (const l of run.links) {
          parts.checkSource(l.sourceId);
          if (keys.has(l.profileKey))
            keyRows.push(
              `${prefix}${[
                copyCell(l.profileKey),
                String(l.snapshotId),
                String(l.rowNo),
                copyCell(l.sourceId),
                copyCell(l.fileName),
                copyCell(l.personId),
              ].join("\t")}\n`,
            );
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
        }
      })(),
    );
    await parts.attach();
    await bulk.copy(
      "COPY link_key_row (run_id, municipality_id, profile_key, snapshot_id, row_no, source_id, file_name, person_id) FROM STDIN",
      keyRows,
    );
    await copy(
      "COPY link_review (run_id, municipality_id, left_key, right_key, left_person, right_person, weight, probability, reason, explanation, left_anchors, right_anchors, pairs, rows, sources, schools, left_sources, right_sources) FROM STDIN",
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
            copyCell(textArray(v.leftAnchors)),
            copyCell(textArray(v.rightAnchors)),
            String(v.pairs),
            String(v.rows),
            copyCell(textArray(v.sources)),
            copyCell(textArray(v.schools)),
            copyCell(textArray(v.leftSources)),
            copyCell(textArray(v.rightSources)),
          ].join("\t")}\n`;
      })(),
    );
    await copy(
      "COPY link_person_event (run_id, municipality_id, kind, person_id, other_person_id, shared, cause, explanation) FROM STDIN",
      (function* () {
        for (const e of run.events ?? [])
          yield `${prefix}${[
            e.kind,
            copyCell(e.personId),
            copyCell(e.otherPersonId),
            String(e.shared),
            e.cause,
            copyCell(e.explanation),
          ].join("\t")}\n`;
      })(),
    );
    // The person-id state (link_identity): only this run's new or changed anchors are
    // written — a monthly run rewrote every anchor (a city's ~300k, through an upsert that
    // took 9 s) to change a few. New anchors go in by COPY (none can be there already: the
    // state was read under the run lock); changed ones by one UPDATE from a temporary
    // table. Without the state the run started from: every anchor, through one upsert.
    // Either way grouped by anchor prefix: the primary key (municipality_id, anchor) is then
    // filled one small key range at a time instead of at random leaf pages — at metro
    // (millions of anchors, an index many times shared_buffers) a random order evicts and
    // rewrites a leaf page for nearly every row.
    const previous = run.previousIds;
    const writes = identityWrites(run.assignment.updates, previous);
    if (previous !== undefined) {
      const key = previous.size === 0 && bulk.direct ? await deferIdentityKey(client) : undefined;
      await bulk.copy(
        "COPY link_identity (run_id, municipality_id, anchor, person_id) FROM STDIN",
        writes.lines("fresh", prefix),
      );
      if (key !== undefined)
        await bypassingRowSecurity(client, runsAsOwner() ? null : APP_ROLE, async () => {
          await client.query(`ALTER TABLE link_identity ADD CONSTRAINT ${key}`);
        });
      await client.query(
        "CREATE TEMP TABLE link_identity_changed (anchor text, person_id text) ON COMMIT DROP",
      );
      // A temporary table has no row security: straight in.
      await copyLines(
        client,
        "COPY link_identity_changed (anchor, person_id) FROM STDIN",
        writes.lines("changed", ""),
        { direct: true },
      );
      await client.query(
        `UPDATE link_identity i SET person_id = c.person_id, run_id = $2
         FROM link_identity_changed c
         WHERE i.municipality_id = $1 AND i.anchor = c.anchor AND i.person_id <> c.person_id`,
        [run.municipalityId, runId],
      );
    } else {
      await client.query(
        "CREATE TEMP TABLE link_identity_new (anchor text, person_id text) ON COMMIT DROP",
      );
      await copyLines(
        client,
        "COPY link_identity_new (anchor, person_id) FROM STDIN",
        writes.lines("fresh", ""),
        { direct: true },
      );
      await client.query(
        `INSERT INTO link_identity (municipality_id, anchor, person_id, run_id)
         SELECT $1, anchor, person_id, $2 FROM link_identity_new
         ON CONFLICT (municipality_id, anchor)
         DO UPDATE SET person_id = EXCLUDED.person_id, run_id = EXCLUDED.run_id
         WHERE link_identity.person_id IS DISTINCT FROM EXCLUDED.person_id`,
        [run.municipalityId, runId],
      );
    }
    await client.query(
      `INSERT INTO link_id_counter (municipality_id, next_seq) VALUES ($1, $2)
       ON CONFLICT (municipality_id) DO UPDATE SET next_seq = GREATEST(link_id_counter.next_seq, EXCLUDED.next_seq)`,
      [run.municipalityId, run.assignment.nextSeq],
    );
    await bulk.copy(
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
