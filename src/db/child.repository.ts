/**
 * Reads of one child, one household and the person search (issue 11). Every
 * query takes the reader's `DataScope`: the municipality, the persons the
 * reader may see (child-access.ts) and 要対協 membership — rows of the
 * yotaikyo / ichiji_hogo sources and items B01 / B02 are left out for
 * non-members, here in SQL, never by the web app.
 *
 * Reads are of the newest completed scoring run and its linkage run.
 */

import { type RawBuilder, sql } from "kysely";
import type { Evidence } from "../domain/items/evidence.ts";
import { querySearchKeys } from "../domain/ja/search-key.ts";
import {
  COUNCIL_ONLY_ITEMS,
  COUNCIL_ONLY_SOURCES,
  type DataScope,
} from "../domain/policy/index.ts";
import type { StoredScore } from "../domain/scoring/child-view.ts";
import { visibleExclusionReasons } from "../domain/scoring/council-exclusions.ts";
import type { RuleSet } from "../domain/scoring/rules.ts";
import { changeBusOf, feedCacheOf } from "./change-bus.ts";
import { casesOfReader, childAccess } from "./child-access.ts";
import type { Database } from "./database.ts";
import { purgedData } from "./person-retention.repository.ts";
import { mixedReviewOrderSql } from "./review-order.ts";

export interface ChildRun {
  readonly scoreRunId: number;
  readonly linkRunId: number;
  readonly asOf: string;
  readonly rules: RuleSet;
  /**
   * When the run read the corrections in force (score_run.stats
   * correctionsReadAt; its created_at for runs stored before): a 訂正 made
   * before it is applied in the run, one made after is pending.
   */
  readonly correctionsReadAt?: string;
}

/** A 訂正 of one cell of a linked row as the child view shows it (issue 11). */
export interface RecordCorrection {
  readonly field: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
  readonly correctedAt: string;
  /**
   * `applied`: in force and read by the run shown; `pending`: in force, made
   * after the run read corrections (the next run applies it);
   * `withdrawal_pending`: applied by the run shown but withdrawn or
   * superseded since (the next run goes back to the row's value).
   */
  readonly status: "applied" | "pending" | "withdrawal_pending";
}

export interface PersonRow {
  readonly personId: string;
  readonly name: string | null;
  readonly nameKana: string | null;
  readonly birthDate: string | null;
  readonly age: number | null;
  readonly sex: string | null;
  readonly residentNos: readonly string[];
  readonly householdNo: string | null;
  readonly resident: boolean;
}

export interface LinkedRecord {
  readonly snapshotId?: number;
  readonly corrections?: readonly RecordCorrection[];
  readonly sourceId: string;
  readonly fileName: string;
  readonly rowNo: number;
  readonly asOf: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly method: string;
  readonly probability: number | null;
  readonly levels: readonly number[] | null;
  readonly weights: readonly number[] | null;
}

export interface HouseholdMemberRow extends PersonRow {
  readonly relationship: string | null;
  readonly address: string | null;
  /** 住民基本台帳 stints: 住定日 and 消除日 of each jumin row (moves in and out). */
  readonly stints: readonly { from: string | null; until: string | null; reason: string | null }[];
  /** Sources (non-hidden) the member has rows in, with counts. */
  readonly sources: readonly { sourceId: string; rows: number }[];
  /** Items held by the member themselves (when scored), ids. */
  readonly items: readonly { itemId: string; evidence: Evidence }[];
  /** Whether the reader may open this member's child page. */
  readonly visible: boolean;
  /** Under a 利用停止 in force: no items, no page (as the next run leaves them out). */
  readonly usageStopped: boolean;
}

export interface TopFlaggedRow {
  readonly personId: string;
  readonly name: string | null;
  readonly age: number | null;
  readonly difficulty: string;
  readonly score: number;
  readonly threshold: number;
  readonly totalPoints: number;
}

export interface SearchHit {
  readonly personId: string;
  readonly name: string | null;
  readonly nameKana: string | null;
  readonly birthDate: string | null;
  readonly age: number | null;
  readonly householdNo: string | null;
  readonly flagged: number;
}

/** Largest search page (also in the route's OpenAPI description). */
export const MAX_SEARCH_PAGE = 50;

/** The council-only items a type's rule counts, with their points (for recomputing visible scores). */
export function hiddenItemPoints(
  rules: RuleSet,
): { difficulty: string; itemId: string; points: number; model: boolean }[] {
  const out: { difficulty: string; itemId: string; points: number; model: boolean }[] = [];
  for (const t of rules.types)
    for (const i of t.items)
      if (COUNCIL_ONLY_ITEMS.includes(i.itemId))
        out.push({
          difficulty: t.difficulty,
          itemId: i.itemId,
          points: t.method === "weighted" ? i.weight : 1,
          model: t.method === "model",
        });
  return out;
}

interface PersonDbRow {
  person_id: string;
  name: string | null;
  name_kana: string | null;
  birth_date: string | null;
  age: number | null;
  sex: string | null;
  resident_nos: string[];
  household_no: string | null;
  resident: boolean;
}

function person(r: PersonDbRow): PersonRow {
  return {
    personId: r.person_id,
    name: r.name,
    nameKana: r.name_kana,
    birthDate: r.birth_date,
    age: r.age,
    sex: r.sex,
    residentNos: r.resident_nos ?? [],
    householdNo: r.household_no,
    resident: r.resident,
  };
}

/**
 * Rule sets by municipality and rule version, per database: a rule version
 * never changes once a run used it, and reading and parsing its JSON (catalog,
 * types, model cards) on every child view, household and search cost more
 * than the query for the child (issue 11 benchmark). Same idea as the run
 * cache of services/run-view.service.ts.
 */
const ruleCache = new WeakMap<Database, Map<string, RuleSet>>();
/** A linkage run's comparisons (its settings never change once written), per database. */
const comparisonCache = new WeakMap<
  Database,
  Map<string, { name: string; label: string; levels: { label: string }[] }[]>
>();

interface HistoryDbRow {
  run_id: number;
  type_index: number;
  as_of: string;
  difficulty: string;
  score: number;
  threshold: number;
  flagged: boolean;
  hides: boolean;
}

/** A person's scores in every completed run, newest first (`history`, `viewCore`). */
function historySql(scope: DataScope, personId: RawBuilder<unknown>) {
  return sql`
    SELECT sr.run_id, sr.type_index, to_char(s.as_of, 'YYYY-MM-DD') AS as_of, sr.difficulty, sr.score,
           sr.threshold, sr.flagged,
           EXISTS (
             SELECT 1 FROM jsonb_array_elements(v.rules->'types') t,
                           jsonb_array_elements(t->'items') i
              WHERE t->>'difficulty' = sr.difficulty
                AND i->>'itemId' = ANY(${[...COUNCIL_ONLY_ITEMS]}::text[])
           ) AS hides
      FROM score_result sr
      JOIN score_run s ON s.municipality_id = sr.municipality_id AND s.id = sr.run_id AND s.completed_at IS NOT NULL
      JOIN rule_version v ON v.municipality_id = s.municipality_id AND v.id = s.rule_version_id
     WHERE sr.municipality_id = ${scope.municipalityId} AND sr.person_id = ${personId}
     ORDER BY sr.run_id DESC, sr.type_index
     LIMIT 500`;
}

/**
 * For a non-member, a type whose rule counts a council-only item is shown
 * without its score (the stored one may include the hidden item).
 */
function historyRows(scope: DataScope, rows: readonly HistoryDbRow[]) {
  return rows.map((x) => {
    const withheld = !scope.council && x.hides;
    return {
      scoreRunId: x.run_id,
      asOf: x.as_of,
      difficulty: x.difficulty,
      score: withheld ? null : x.score,
      threshold: x.threshold,
      flagged: withheld ? null : x.flagged,
    };
  });
}

interface RunHead {
  id: number;
  link_run_id: number;
  rule_version_id: number;
  as_of: string;
  corrections_read_at: string;
}

/**
 * A narrower reader's scope in a run, as sets (issue 11 benchmark: the
 * 支援担当's one scope statement per request was most of its p95). Two caches,
 * each cleared by exactly what can change it — here right after the COMMIT,
 * from another process through NOTIFY (migrations 0071, 0074):
 *
 * - the children whose current school / nursery is an affiliation, per
 *   (municipality, link run, affiliation) and shared by every reader of it:
 *   they change only with the run's rows (`score_run`, `run_data`;
 *   `fact_correction` too, to be safe);
 * - per reader (user id and the whole data scope, so a changed role, council
 *   flag or affiliation is another key; any app_user change of the user drops
 *   it too): the children of their cases and follow-ups or of requests to
 *   their affiliation (`casework`), and their break-the-glass grants with
 *   each grant's end (`break_glass` writes are `casework` too, 0074), a grant
 *   counting only until it ends.
 *
 * Used only while the LISTEN connection is up (FeedCache); otherwise the
 * reader gets the one-statement check, read fresh.
 */
export interface ReaderSets {
  /** Children of the reader's cases / follow-ups (支援担当) or of requests to the affiliation (所属). */
  readonly cases: ReadonlySet<string>;
  /** Break-the-glass grants in force when read: person → end (ms since the epoch). */
  readonly grants: ReadonlyMap<string, number>;
}

function affiliationSetCacheOf(db: Database) {
  return feedCacheOf<ReadonlySet<string>>(db, "reader-scope-affiliation", {
    topics: ["score_run", "run_data", "fact_correction"],
    capacity: 1_000,
  });
}

function readerSetCacheOf(db: Database) {
  return feedCacheOf<ReaderSets>(db, "reader-scope-user", {
    topics: ["casework", "app_user", "score_run", "run_data", "usage_stop", "fact_correction"],
    capacity: 5_000,
  });
}

/** Both scope caches (tests and the bench read their hit counts). */
export function readerScopeCaches(db: Database) {
  return { affiliation: affiliationSetCacheOf(db), reader: readerSetCacheOf(db) };
}

/**
 * Person ids of link runs under a 利用停止 in force, per municipality and
 * link run: cleared by any change of usage_stop (here or, through NOTIFY,
 * in another process) and of runs; read again per request while the change
 * feed is down.
 */
function stoppedCacheOf(db: Database) {
  return feedCacheOf<readonly string[]>(db, "usage-stopped", {
    topics: ["usage_stop", "score_run", "run_data"],
    capacity: 1_000,
  });
}

/**
 * The persons of link run `linkRunId` under a 利用停止 in force — by person
 * id or by a 宛名番号 the stop recorded, as pipeline/score.ts readPopulation
 * leaves them out — so that the child view, 判定一覧 and search leave them
 * out at once instead of from the next run (issue 11). Usually empty.
 */
export async function stoppedPersons(
  db: Database,
  municipalityId: number,
  linkRunId: number,
  root: Database = db,
): Promise<readonly string[]> {
  return stoppedCacheOf(root).get(`${municipalityId}:${linkRunId}`, async () => {
    const r = await sql<{ person_id: string }>`
      SELECT DISTINCT p.person_id
        FROM usage_stop s
        JOIN link_person p ON p.municipality_id = s.municipality_id AND p.run_id = ${linkRunId}
                          AND (p.person_id = s.person_id OR p.resident_nos && s.resident_nos)
       WHERE s.municipality_id = ${municipalityId} AND s.lifted_at IS NULL
       ORDER BY p.person_id`.execute(db);
    return r.rows.map((x) => x.person_id);
  });
}

/**
 * The latest run's head per municipality (null: none yet), per database:
 * read on every child view, household, search and home page. Cleared by any
 * score_run change (db/change-bus.ts); used only while the change feed
 * listens.
 */
export function runHeadOf(db: Database) {
  return feedCacheOf<RunHead | null>(db, "run-head", { topics: ["score_run"], capacity: 1_000 });
}

/** (municipality, run, member?) whose home page order is written (see ensureHomeFlagged). */
const homeFlaggedFilled = new WeakMap<Database, Set<string>>();

/**
 * `db` may be a transaction (the child view reads in one, see
 * services/child.service.ts); `root` is the database the caches belong to.
 */
export function createChildRepository(db: Database, root: Database = db) {
  /**
   * The reader's scope as sets (ReaderSets), from the caches or read: the
   * affiliation's children with one set-based statement (the same rule as
   * child-access.ts currentAffiliationIs: each source's newest row of the
   * person in the run names the place), the cases / requests with the very
   * predicate the queries use (casesOfReader) over the persons that could
   * match, and the grants in force with their ends.
   */
  async function readerScopeSets(
    scope: DataScope,
    linkRunId: number,
  ): Promise<{ affiliation: ReadonlySet<string> | undefined; reader: ReaderSets } | undefined> {
    if (scope.children !== "assigned" && scope.children !== "requests") return undefined;
    const m = scope.municipalityId;
    const place = scope.children === "assigned" ? scope.affiliation : undefined;
    const affiliation = place
      ? await affiliationSetCacheOf(root).get(`${m}:${linkRunId}:${place}`, async () => {
          const r = await sql<{ person_id: string }>`
            SELECT cur.person_id FROM (
              SELECT DISTINCT ON (lr.person_id, lr.source_id) lr.person_id,
                     CASE lr.source_id WHEN 'gakureibo' THEN ir.data->>'学校名'
                                       ELSE ir.data->>'施設名' END AS place
                FROM link_record lr
                JOIN import_row ir ON ir.municipality_id = lr.municipality_id
                                  AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
               WHERE lr.municipality_id = ${m} AND lr.run_id = ${linkRunId}
                 AND lr.source_id IN ('gakureibo', 'hoiku_zaiseki')
               ORDER BY lr.person_id, lr.source_id, ir.as_of DESC NULLS LAST,
                        lr.snapshot_id DESC, lr.row_no DESC
            ) cur WHERE cur.place = ${place}`.execute(db);
          return new Set(r.rows.map((x) => x.person_id));
        })
      : undefined;
    const key = JSON.stringify([
      m,
      scope.userId,
      scope.council,
      scope.children,
      scope.affiliation,
      linkRunId,
    ]);
    const reader = await readerSetCacheOf(root).get(
      key,
      async () => {
        const cases = await sql<{ person_id: string }>`
          SELECT x.person_id FROM (
            SELECT person_id FROM child_case WHERE municipality_id = ${m}
            UNION SELECT person_id FROM sheet_request WHERE municipality_id = ${m}
          ) x WHERE ${casesOfReader(scope, linkRunId, sql`x.person_id`)}`.execute(db);
        const grants =
          scope.children === "assigned"
            ? await sql<{ person_id: string; ends: string }>`
                SELECT person_id, max((extract(epoch FROM expires_at) * 1000)::bigint)::text AS ends
                  FROM break_glass
                 WHERE municipality_id = ${m} AND user_id = ${scope.userId} AND expires_at > now()
                 GROUP BY person_id`.execute(db)
            : { rows: [] };
        return {
          cases: new Set(cases.rows.map((x) => x.person_id)),
          grants: new Map(grants.rows.map((x) => [x.person_id, Number(x.ends)])),
        };
      },
      { userId: () => scope.userId },
    );
    return { affiliation, reader };
  }

  /**
   * Writes the run's home page order for the reader's kind (member or not)
   * once: the marker row's key serialises concurrent first readers, and a
   * reader that finds it written (or waits for it) only reads. Remembered per
   * process so that later home pages skip even the marker.
   */
  async function ensureHomeFlagged(scope: DataScope, run: ChildRun): Promise<void> {
    let filled = homeFlaggedFilled.get(root);
    if (!filled) {
      filled = new Set();
      homeFlaggedFilled.set(root, filled);
    }
    const key = `${scope.municipalityId}:${run.scoreRunId}:${scope.council}`;
    if (filled.has(key)) return;
    const hidden = scope.council ? [] : hiddenItemPoints(run.rules);
    const hiddenTable = hiddenValues(hidden);
    const modelHidden = [...new Set(hidden.filter((h) => h.model).map((h) => h.difficulty))];
    // On the root database: `db` may be a transaction of the caller.
    await root.transaction().execute(async (trx) => {
      // Its only key is (run_id, council, municipality_id) since migration 0096.
      const mine = await sql`
        INSERT INTO home_flagged_run (run_id, municipality_id, council)
        VALUES (${run.scoreRunId}, ${scope.municipalityId}, ${scope.council})
        ON CONFLICT DO NOTHING RETURNING run_id`.execute(trx);
      if (mine.rows.length === 0) return;
      await sql`
        WITH v AS (
          SELECT sr.person_id, sr.difficulty, sr.threshold, sr.applicable,
                 ${
                   // A council member sees every item: nothing to take off.
                   scope.council
                     ? sql`sr.score, sr.total_points`
                     : sql`sr.score - COALESCE((SELECT sum(h.points) FROM ${hiddenTable}
                                        JOIN score_item si ON si.municipality_id = sr.municipality_id AND si.run_id = sr.run_id AND si.person_id = sr.person_id
                                                          AND si.item_id = h.item_id
                                       WHERE h.difficulty = sr.difficulty), 0) AS score,
                 sr.total_points - COALESCE((SELECT count(*) FROM score_item si
                                              WHERE si.run_id = sr.run_id AND si.person_id = sr.person_id
                                                AND si.item_id = ANY(${hiddenItems(scope)}::text[])), 0) AS total_points`
                 }
            FROM score_result sr
           WHERE sr.run_id = ${run.scoreRunId} AND sr.municipality_id = ${scope.municipalityId}
             AND sr.flagged AND sr.difficulty <> ALL(${modelHidden}::text[])
        ), best AS (
          SELECT DISTINCT ON (v.person_id) v.*
            FROM v WHERE v.applicable AND v.score >= v.threshold
           ORDER BY v.person_id, v.score DESC, v.difficulty
        )
        INSERT INTO home_flagged (run_id, municipality_id, council, pos, person_id, difficulty,
                                  score, threshold, total_points)
        SELECT ${run.scoreRunId}, ${scope.municipalityId}, ${scope.council},
               row_number() OVER (ORDER BY ${mixedReviewOrderSql(
                 {
                   score: sql`b.score`,
                   scoreNullable: false,
                   totalPoints: sql`b.total_points`,
                   // Completed years on the as-of date, as 判定一覧's score_child.age.
                   age: sql`date_part('year', age(${run.asOf}::date, p.birth_date))`,
                   personId: sql`b.person_id`,
                   difficulty: sql`b.difficulty`,
                 },
                 run.rules,
               )}),
               b.person_id, b.difficulty, b.score, b.threshold, b.total_points
          FROM best b
          JOIN link_person p ON p.run_id = ${run.linkRunId} AND p.person_id = b.person_id`.execute(
        trx,
      );
    });
    filled.add(key);
  }

  async function rulesOf(municipalityId: number, ruleVersionId: number) {
    let perDb = ruleCache.get(root);
    if (!perDb) {
      perDb = new Map();
      ruleCache.set(root, perDb);
    }
    const key = `${municipalityId}:${ruleVersionId}`;
    const hit = perDb.get(key);
    if (hit) return hit;
    const v = await db
      .selectFrom("rule_version")
      .select("rules")
      .where("id", "=", ruleVersionId)
      .executeTakeFirst();
    if (!v) return undefined;
    const rules = v.rules as RuleSet;
    perDb.set(key, rules);
    if (perDb.size > 32) perDb.delete(perDb.keys().next().value as string);
    return rules;
  }
  const hiddenSources = (scope: DataScope) => (scope.council ? [] : [...COUNCIL_ONLY_SOURCES]);
  const hiddenItems = (scope: DataScope) => (scope.council ? [] : [...COUNCIL_ONLY_ITEMS]);

  /** Person columns with the age on the run's as-of date. */
  const cols = (asOf: string) => sql`p.person_id, p.name, p.name_kana,
    to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date,
    CASE WHEN p.birth_date IS NULL THEN NULL
         ELSE date_part('year', age(${asOf}::date, p.birth_date))::int END AS age,
    p.sex, p.resident_nos, p.household_no, p.resident`;

  /** The newest completed run's head, from the database. */
  async function readHead(municipalityId: number): Promise<RunHead | null> {
    const r = await db
      .selectFrom("score_run as s")
      .select([
        "s.id",
        "s.link_run_id",
        "s.rule_version_id",
        sql<string>`to_char(s.as_of, 'YYYY-MM-DD')`.as("as_of"),
        sql<string>`coalesce(s.stats->>'correctionsReadAt', to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))`.as(
          "corrections_read_at",
        ),
      ])
      .where("s.municipality_id", "=", municipalityId)
      .where("s.completed_at", "is not", null)
      .orderBy("s.id", "desc")
      .limit(1)
      .executeTakeFirst();
    return r ?? null;
  }

  return {
    /**
     * The newest completed scoring run with its linkage run and rules. The
     * head (which run is newest) is kept per municipality (db/change-bus.ts:
     * cleared by any score_run change here or, through NOTIFY, elsewhere).
     */
    async latestRun(municipalityId: number): Promise<ChildRun | undefined> {
      const r = await runHeadOf(root).get(String(municipalityId), () => readHead(municipalityId));
      if (!r) return undefined;
      const rules = await rulesOf(municipalityId, r.rule_version_id);
      if (!rules) return undefined;
      return {
        scoreRunId: r.id,
        linkRunId: r.link_run_id,
        asOf: r.as_of,
        rules,
        correctionsReadAt: r.corrections_read_at,
      };
    },

    /**
     * The core of the child view in ONE statement (issue 11: round trips were
     * most of a child view's cost): the child (undefined when missing or out
     * of the reader's scope, as findChild), its stored scores, held items with
     * evidence, linked records and score history — the same rows as
     * findChild, scores, items, records and history, each aggregated to JSON.
     */
    async viewCore(
      scope: DataScope,
      run: ChildRun,
      personId: string,
    ): Promise<
      | {
          child: PersonRow;
          scores: StoredScore[];
          items: { itemId: string; evidence: Evidence }[];
          records: LinkedRecord[];
          history: ReturnType<typeof historyRows>;
        }
      | undefined
    > {
      const r = await sql<
        PersonDbRow & {
          scores: StoredScore[];
          items: { itemId: string; evidence: Evidence }[];
          records: {
            sourceId: string;
            snapshotId: number;
            corrections: RecordCorrection[] | null;
            fileName: string;
            rowNo: number;
            asOf: string | null;
            data: Record<string, unknown> | null;
            method: string;
            probability: number | null;
            levels: number[] | null;
            weights: number[] | null;
          }[];
          history: HistoryDbRow[];
        }
      >`
        WITH c AS (
          SELECT ${cols(run.asOf)}
            FROM link_person p
           WHERE p.run_id = ${run.linkRunId} AND p.municipality_id = ${scope.municipalityId}
             AND p.person_id = ${personId}
             AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${run.scoreRunId} AND sr.person_id = p.person_id)
             AND ${childAccess(scope, run.linkRunId, sql`p.person_id`)}
        )
        SELECT c.*,
          (SELECT coalesce(json_agg(json_build_object(
                    'difficulty', sr.difficulty, 'applicable', sr.applicable, 'score', sr.score,
                    'threshold', sr.threshold, 'flagged', sr.flagged, 'excludedBy', sr.excluded_by)
                  ORDER BY sr.type_index), '[]')
             FROM score_result sr
            WHERE sr.municipality_id = ${scope.municipalityId} AND sr.run_id = ${run.scoreRunId}
              AND sr.person_id = c.person_id) AS scores,
          (SELECT coalesce(json_agg(json_build_object('itemId', si.item_id, 'evidence', si.evidence)
                  ORDER BY si.item_id), '[]')
             FROM score_item si
            WHERE si.municipality_id = ${scope.municipalityId} AND si.run_id = ${run.scoreRunId}
              AND si.person_id = c.person_id
              AND si.item_id <> ALL(${hiddenItems(scope)}::text[])) AS items,
          (SELECT coalesce(json_agg(json_build_object(
                    'sourceId', x.source_id, 'snapshotId', x.snapshot_id, 'fileName', x.file_name,
                    'rowNo', x.row_no, 'asOf', x.as_of,
                    'data', x.data, 'method', x.method, 'probability', x.probability,
                    'levels', x.levels, 'weights', x.weights, 'corrections', x.corrections)
                  ORDER BY x.ord), '[]')
             FROM (SELECT lr.source_id, lr.snapshot_id, lr.file_name, lr.row_no, to_char(ir.as_of, 'YYYY-MM-DD') AS as_of,
                          ${purgedData("ir")} AS data, lr.method, lr.probability, lr.levels, lr.weights,
                          ${correctionsOf(run, sql`lr`)} AS corrections,
                          row_number() OVER (ORDER BY ir.as_of NULLS FIRST, lr.source_id, lr.row_no) AS ord
                     FROM link_record lr
                     JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
                    WHERE lr.run_id = ${run.linkRunId} AND lr.municipality_id = ${scope.municipalityId}
                      AND lr.person_id = c.person_id
                      AND lr.source_id <> ALL(${hiddenSources(scope)}::text[])
                    ORDER BY ir.as_of NULLS FIRST, lr.source_id, lr.row_no
                    LIMIT 1000) x) AS records,
          (SELECT coalesce(json_agg(h ORDER BY h.run_id DESC, h.type_index), '[]')
             FROM (${historySql(scope, sql`c.person_id`)}) h) AS history
          FROM c`.execute(db);
      const row = r.rows[0];
      if (!row) return undefined;
      return {
        child: person(row),
        // 要対協 exclusion reasons (stored by name) only for members.
        scores: row.scores.map((x) => ({
          ...x,
          excludedBy: visibleExclusionReasons(scope, run.rules, x.excludedBy),
        })),
        items: row.items,
        records: row.records.map((x) => ({
          ...x,
          data: x.data ?? {},
          corrections: x.corrections ?? [],
        })),
        history: historyRows(scope, row.history),
      };
    },

    /**
     * Which of `personIds` the reader may see (child-access.ts), in ONE
     * statement: answers shared between readers (services/child.service.ts)
     * are cut down to a narrower reader's scope with it, read fresh on every
     * request (cases, requests and break-the-glass grants change any time).
     */
    async accessible(
      scope: DataScope,
      run: ChildRun,
      personIds: readonly string[],
    ): Promise<Set<string>> {
      if (scope.children === "all") return new Set(personIds);
      if (personIds.length === 0 || scope.children === "none") return new Set();
      // From the reader's cached scope while the change feed listens (ReaderSets).
      if (changeBusOf(root).listening) {
        const sets = await readerScopeSets(scope, run.linkRunId);
        if (sets) {
          const now = Date.now();
          return new Set(
            personIds.filter(
              (id) =>
                sets.affiliation?.has(id) ||
                sets.reader.cases.has(id) ||
                (sets.reader.grants.get(id) ?? 0) > now,
            ),
          );
        }
      }
      const r = await sql<{ person_id: string }>`
        SELECT x.person_id FROM unnest(${[...new Set(personIds)]}::text[]) AS x(person_id)
         WHERE ${childAccess(scope, run.linkRunId, sql`x.person_id`)}`.execute(db);
      return new Set(r.rows.map((x) => x.person_id));
    },

    /** A scored child of the run the reader may see, or undefined (missing and out of scope alike). */
    async findChild(
      scope: DataScope,
      run: ChildRun,
      personId: string,
    ): Promise<PersonRow | undefined> {
      const r = await sql<PersonDbRow>`
        SELECT ${cols(run.asOf)}
          FROM link_person p
         WHERE p.run_id = ${run.linkRunId} AND p.municipality_id = ${scope.municipalityId}
           AND p.person_id = ${personId}
           AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${run.scoreRunId} AND sr.person_id = p.person_id)
           AND ${childAccess(scope, run.linkRunId, sql`p.person_id`)}`.execute(db);
      const row = r.rows[0];
      return row ? person(row) : undefined;
    },

    /** The child's stored scores in the run, in rule order. */
    async scores(scope: DataScope, run: ChildRun, personId: string): Promise<StoredScore[]> {
      return (
        await db
          .selectFrom("score_result")
          .select(["difficulty", "applicable", "score", "threshold", "flagged", "excluded_by"])
          .where("municipality_id", "=", scope.municipalityId)
          .where("run_id", "=", run.scoreRunId)
          .where("person_id", "=", personId)
          .orderBy("type_index")
          .execute()
      ).map((r) => ({
        difficulty: r.difficulty,
        applicable: r.applicable,
        score: r.score,
        threshold: r.threshold,
        flagged: r.flagged,
        excludedBy: visibleExclusionReasons(scope, run.rules, r.excluded_by),
      }));
    },

    /** `scores` for several persons in one query (the conference screen), by person. */
    async scoresOf(
      scope: DataScope,
      run: ChildRun,
      personIds: readonly string[],
    ): Promise<Map<string, StoredScore[]>> {
      const out = new Map<string, StoredScore[]>();
      if (personIds.length === 0) return out;
      const rows = await db
        .selectFrom("score_result")
        .select([
          "person_id",
          "difficulty",
          "applicable",
          "score",
          "threshold",
          "flagged",
          "excluded_by",
        ])
        .where("municipality_id", "=", scope.municipalityId)
        .where("run_id", "=", run.scoreRunId)
        .where("person_id", "in", [...personIds])
        .orderBy("person_id")
        .orderBy("type_index")
        .execute();
      for (const r of rows) {
        let list = out.get(r.person_id);
        if (!list) {
          list = [];
          out.set(r.person_id, list);
        }
        list.push({
          difficulty: r.difficulty,
          applicable: r.applicable,
          score: r.score,
          threshold: r.threshold,
          flagged: r.flagged,
          excludedBy: visibleExclusionReasons(scope, run.rules, r.excluded_by),
        });
      }
      return out;
    },

    /** Items held by these persons in the run with their evidence (council-only items left out for non-members). */
    async items(
      scope: DataScope,
      run: ChildRun,
      personIds: readonly string[],
    ): Promise<{ personId: string; itemId: string; evidence: Evidence }[]> {
      if (personIds.length === 0) return [];
      const hidden = hiddenItems(scope);
      return (
        await db
          .selectFrom("score_item")
          .select(["person_id", "item_id", "evidence"])
          .where("municipality_id", "=", scope.municipalityId)
          .where("run_id", "=", run.scoreRunId)
          .where("person_id", "in", personIds)
          .$if(hidden.length > 0, (q) => q.where("item_id", "not in", hidden))
          .orderBy("person_id")
          .orderBy("item_id")
          .execute()
      ).map((r) => ({
        personId: r.person_id,
        itemId: r.item_id,
        evidence: r.evidence as Evidence,
      }));
    },

    /**
     * Every row linked to the person in the run, across departments, oldest
     * 抽出日 first, with the linkage levels and weights of each; rows of
     * 要対協 / 一時保護 sources only for council members.
     */
    async records(scope: DataScope, run: ChildRun, personId: string): Promise<LinkedRecord[]> {
      const hidden = hiddenSources(scope);
      const r = await sql<{
        source_id: string;
        file_name: string;
        row_no: number;
        as_of: string | null;
        data: Record<string, unknown> | null;
        method: string;
        probability: number | null;
        levels: number[] | null;
        weights: number[] | null;
      }>`
        SELECT lr.source_id, lr.file_name, lr.row_no, to_char(ir.as_of, 'YYYY-MM-DD') AS as_of,
               ${purgedData("ir")} AS data, lr.method, lr.probability, lr.levels, lr.weights
          FROM link_record lr
          JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
         WHERE lr.run_id = ${run.linkRunId} AND lr.municipality_id = ${scope.municipalityId}
           AND lr.person_id = ${personId}
           AND lr.source_id <> ALL(${hidden}::text[])
         ORDER BY ir.as_of NULLS FIRST, lr.source_id, lr.row_no
         LIMIT 1000`.execute(db);
      return r.rows.map((x) => ({
        sourceId: x.source_id,
        fileName: x.file_name,
        rowNo: x.row_no,
        asOf: x.as_of,
        data: x.data ?? {},
        method: x.method,
        probability: x.probability,
        levels: x.levels,
        weights: x.weights,
      }));
    },

    /** The comparisons of the run's linkage settings (labels of fields and levels), for link explanations. */
    async comparisons(
      scope: DataScope,
      run: ChildRun,
    ): Promise<{ name: string; label: string; levels: { label: string }[] }[]> {
      let perDb = comparisonCache.get(root);
      if (!perDb) {
        perDb = new Map();
        comparisonCache.set(root, perDb);
      }
      const key = `${scope.municipalityId}:${run.linkRunId}`;
      const hit = perDb.get(key);
      if (hit) return hit;
      const r = await db
        .selectFrom("link_run")
        .select("settings")
        .where("id", "=", run.linkRunId)
        .where("municipality_id", "=", scope.municipalityId)
        .executeTakeFirst();
      const settings = r?.settings as
        | { comparisons?: { name: string; label: string; levels: { label: string }[] }[] }
        | undefined;
      const comparisons = settings?.comparisons ?? [];
      // Only a run that exists is remembered (a missing one stays a miss).
      if (r) {
        perDb.set(key, comparisons);
        if (perDb.size > 32) perDb.delete(perDb.keys().next().value as string);
      }
      return comparisons;
    },

    /**
     * The child's scores in every completed run, newest first. For a
     * non-member, a type whose rule counts a council-only item is shown
     * without its score (the stored one may include the hidden item).
     */
    async history(
      scope: DataScope,
      personId: string,
    ): Promise<
      {
        scoreRunId: number;
        asOf: string;
        difficulty: string;
        score: number | null;
        threshold: number;
        flagged: boolean | null;
      }[]
    > {
      const r = await sql<HistoryDbRow>`${historySql(scope, sql`${personId}`)}`.execute(db);
      return historyRows(scope, r.rows);
    },

    /**
     * A household of the run, when the reader may see at least one scored
     * child in it: every member of the run with that 世帯番号, 続柄, 住所 and
     * stints from their 住民基本台帳 rows, the sources they appear in and the
     * items they hold (council-only items left out for non-members). Undefined
     * when missing or out of scope. ONE statement (issue 11: the items were a
     * second round trip of every household and child view).
     */
    async household(
      scope: DataScope,
      run: ChildRun,
      householdNo: string,
    ): Promise<HouseholdMemberRow[] | undefined> {
      const hidden = hiddenSources(scope);
      // Members under a 利用停止: listed (the registry's household), but with
      // no items, sources or page, as the next run would leave them.
      const stopped = await stoppedPersons(db, scope.municipalityId, run.linkRunId, root);
      const r = await sql<
        PersonDbRow & {
          relationship: string | null;
          address: string | null;
          stints: { from: string | null; until: string | null; reason: string | null }[] | null;
          sources: { sourceId: string; rows: number }[] | null;
          items: { itemId: string; evidence: Evidence }[] | null;
          visible: boolean;
          usage_stopped: boolean;
        }
      >`
        SELECT ${cols(run.asOf)},
               j.relationship, j.address, j.stints, src.sources, it.items,
               (p.person_id = ANY(${stopped}::text[])) AS usage_stopped,
               (EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${run.scoreRunId} AND sr.person_id = p.person_id)
                 AND p.person_id <> ALL(${stopped}::text[])
                 AND ${childAccess(scope, run.linkRunId, sql`p.person_id`)}) AS visible
          FROM link_person p
          LEFT JOIN LATERAL (
            SELECT (array_agg(ir.data->>'続柄' ORDER BY ir.as_of DESC NULLS LAST, lr.row_no DESC))[1] AS relationship,
                   (array_agg(ir.data->>'住所' ORDER BY ir.as_of DESC NULLS LAST, lr.row_no DESC))[1] AS address,
                   jsonb_agg(jsonb_build_object('from', ir.data->>'住定日', 'until', ir.data->>'消除日',
                                                'reason', ir.data->>'消除事由')
                             ORDER BY ir.data->>'住定日') AS stints
              FROM link_record lr
              JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
             WHERE lr.run_id = p.run_id AND lr.person_id = p.person_id AND lr.source_id = 'jumin'
          ) j ON true
          LEFT JOIN LATERAL (
            SELECT jsonb_agg(jsonb_build_object('sourceId', s.source_id, 'rows', s.n) ORDER BY s.source_id) AS sources
              FROM (SELECT lr.source_id, count(*)::int AS n FROM link_record lr
                     WHERE lr.run_id = p.run_id AND lr.person_id = p.person_id
                       AND lr.source_id <> ALL(${hidden}::text[])
                     GROUP BY lr.source_id) s
          ) src ON true
          LEFT JOIN LATERAL (
            SELECT jsonb_agg(jsonb_build_object('itemId', si.item_id, 'evidence', si.evidence)
                             ORDER BY si.item_id) AS items
              FROM score_item si
             WHERE si.municipality_id = p.municipality_id AND si.run_id = ${run.scoreRunId}
               AND si.person_id = p.person_id
               AND si.item_id <> ALL(${hiddenItems(scope)}::text[])
          ) it ON true
         WHERE p.run_id = ${run.linkRunId} AND p.municipality_id = ${scope.municipalityId}
           AND p.household_no = ${householdNo}
         ORDER BY p.birth_date NULLS LAST, p.person_id
         LIMIT 100`.execute(db);
      if (!r.rows.some((x) => x.visible)) return undefined;
      return r.rows.map((x) => ({
        ...person(x),
        relationship: x.relationship,
        address: x.address,
        stints: x.stints ?? [],
        sources: x.usage_stopped ? [] : (x.sources ?? []),
        items: x.usage_stopped ? [] : (x.items ?? []),
        visible: x.visible,
        usageStopped: x.usage_stopped,
      }));
    },

    /**
     * Scored children of the run the reader may see, matched by 宛名番号
     * (digits), 生年月日 (an ISO date) or name (search keys, prefix), in
     * priority order of their best flag, then name. Offset-paged.
     */
    async search(
      scope: DataScope,
      run: ChildRun,
      query:
        | { kind: "residentNo"; value: string }
        | { kind: "birthDate"; value: string }
        | { kind: "name"; value: string },
      page: { limit: number; offset: number },
    ): Promise<{ hits: SearchHit[]; total: number }> {
      let match: ReturnType<typeof sql<boolean>>;
      if (query.kind === "residentNo")
        match = sql<boolean>`p.resident_nos @> ARRAY[${query.value}]::text[]`;
      else if (query.kind === "birthDate")
        match = sql<boolean>`p.birth_date = ${query.value}::date`;
      else {
        const keys = querySearchKeys(query.value);
        if (keys.length === 0) return { hits: [], total: 0 };
        // Prefix match with ^@ (starts_with), one OR branch per key: LIKE is
        // not leakproof, so under row-level security PostgreSQL may not use
        // the index for it and scanned every key of the run (~130 ms on city);
        // ^@ is leakproof and becomes a range on person_search_key_idx.
        match = sql<boolean>`EXISTS (SELECT 1 FROM person_search_key k
                    WHERE k.run_id = p.run_id AND k.person_id = p.person_id
                      AND (${sql.join(
                        keys.map((k) => sql`k.key ^@ ${k}`),
                        sql` OR `,
                      )}))`;
      }
      const hidden = hiddenItemPoints(run.rules);
      const flaggedCount = scope.council
        ? sql`(SELECT count(*)::int FROM score_result sr WHERE sr.run_id = ${run.scoreRunId} AND sr.person_id = p.person_id AND sr.flagged)`
        : visibleFlagCount(run.scoreRunId, hidden);
      // A person under a 利用停止 is found by nobody from the moment it is recorded.
      const stopped = await stoppedPersons(db, scope.municipalityId, run.linkRunId, root);
      const r = await sql<PersonDbRow & { flagged: number; total: number }>`
        SELECT ${cols(run.asOf)}, ${flaggedCount} AS flagged, count(*) OVER ()::int AS total
          FROM link_person p
         WHERE p.run_id = ${run.linkRunId} AND p.municipality_id = ${scope.municipalityId}
           AND ${match}
           AND p.person_id <> ALL(${stopped}::text[])
           AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${run.scoreRunId} AND sr.person_id = p.person_id)
           AND ${childAccess(scope, run.linkRunId, sql`p.person_id`)}
         ORDER BY flagged DESC, p.name_kana NULLS LAST, p.person_id
         LIMIT ${page.limit} OFFSET ${page.offset}`.execute(db);
      return {
        hits: r.rows.map((x) => ({
          personId: x.person_id,
          name: x.name,
          nameKana: x.name_kana,
          birthDate: x.birth_date,
          age: x.age,
          householdNo: x.household_no,
          flagged: x.flagged,
        })),
        total: r.rows[0]?.total ?? 0,
      };
    },

    /**
     * The school (学齢簿 学校名) with the most flagged children in the run:
     * where the demo's support worker and school accounts are placed, so
     * each of them has children to see.
     */
    async busiestSchool(municipalityId: number, run: ChildRun): Promise<string | undefined> {
      const r = await sql<{ school: string }>`
        SELECT ir.data->>'学校名' AS school
          FROM score_result sr
          JOIN link_record lr ON lr.municipality_id = sr.municipality_id AND lr.run_id = ${run.linkRunId} AND lr.person_id = sr.person_id
                             AND lr.source_id = 'gakureibo'
          JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
         WHERE sr.run_id = ${run.scoreRunId} AND sr.municipality_id = ${municipalityId} AND sr.flagged
           AND ir.data->>'学校名' IS NOT NULL
         GROUP BY 1 ORDER BY count(DISTINCT sr.person_id) DESC, 1 LIMIT 1`.execute(db);
      return r.rows[0]?.school;
    },

    /**
     * The run's flagged children the reader may see, each once with its best
     * type, in 判定一覧's priority order (review-order.ts): score, then the
     * type's tie-break (default total points — 開成町's tie fix — then the
     * younger child). For a non-member the scores are the visible ones
     * (council-only items subtracted) and model-scored types that count such
     * items are left out.
     *
     * The order is the same for every reader of a kind (member or not) and a
     * run never changes, so it is written once per run and kind into
     * `home_flagged` (migration 0095) by the first reader, and each home page
     * reads it by position, joining names and checking the reader's child
     * access as before: one index scan instead of every flagged row of the run.
     */
    async topFlagged(scope: DataScope, run: ChildRun, limit: number): Promise<TopFlaggedRow[]> {
      await ensureHomeFlagged(scope, run);
      // 利用停止 since the run: left out at once (the next run leaves them out of home_flagged).
      const stopped = await stoppedPersons(db, scope.municipalityId, run.linkRunId, root);
      const r = await sql<{
        person_id: string;
        name: string | null;
        age: number | null;
        difficulty: string;
        score: number;
        threshold: number;
        total_points: number;
      }>`
        SELECT t.person_id, p.name,
               CASE WHEN p.birth_date IS NULL THEN NULL
                    ELSE date_part('year', age(${run.asOf}::date, p.birth_date))::int END AS age,
               t.difficulty, t.score, t.threshold, t.total_points
          FROM (SELECT t.pos, t.municipality_id, t.person_id, t.difficulty, t.score, t.threshold, t.total_points
                  FROM home_flagged t
                 WHERE t.run_id = ${run.scoreRunId} AND t.council = ${scope.council}
                   AND t.municipality_id = ${scope.municipalityId}
                   AND ${childAccess(scope, run.linkRunId, sql`t.person_id`)}
                   AND t.person_id <> ALL(${stopped}::text[])
                   ${
                     // Positions run 1..n: a reader who may see every child
                     // needs just the first `limit`, one range of the key
                     // (row-level security's filters make the planner expect
                     // a few rows and otherwise scan and sort them all).
                     scope.children === "all" ? sql`AND t.pos <= ${limit + stopped.length}` : sql``
                   }
                 ORDER BY t.pos
                 LIMIT ${limit}) t
          -- Names after the limit: a fresh table has no statistics yet, and
          -- joining first made the planner look up every flagged child's name.
          JOIN link_person p ON p.municipality_id = t.municipality_id AND p.run_id = ${run.linkRunId} AND p.person_id = t.person_id
         ORDER BY t.pos`.execute(db);
      return r.rows.map((x) => ({
        personId: x.person_id,
        name: x.name,
        age: x.age,
        difficulty: x.difficulty,
        score: Number(x.score),
        threshold: x.threshold,
        totalPoints: x.total_points,
      }));
    },
  };
}

/** `(VALUES …) h(difficulty, item_id, points)` of the hidden items' points (an empty table when none). */
function hiddenValues(hidden: { difficulty: string; itemId: string; points: number }[]) {
  if (hidden.length === 0)
    return sql`(SELECT NULL::text AS difficulty, NULL::text AS item_id, 0::float8 AS points WHERE false) h`;
  return sql`(VALUES ${sql.join(
    hidden.map((h) => sql`(${h.difficulty}::text, ${h.itemId}::text, ${h.points}::float8)`),
  )}) h(difficulty, item_id, points)`;
}

/** Count of types a non-member sees flagged (visible score ≥ threshold). */
function visibleFlagCount(
  scoreRunId: number,
  hidden: { difficulty: string; itemId: string; points: number; model: boolean }[],
) {
  const modelHidden = [...new Set(hidden.filter((h) => h.model).map((h) => h.difficulty))];
  return sql`(SELECT count(*)::int FROM score_result sr
                WHERE sr.run_id = ${scoreRunId} AND sr.person_id = p.person_id AND sr.applicable
                  AND sr.difficulty <> ALL(${modelHidden}::text[])
                  AND sr.score - COALESCE((SELECT sum(h.points) FROM ${hiddenValues(hidden)}
                                            JOIN score_item si ON si.municipality_id = sr.municipality_id AND si.run_id = sr.run_id AND si.person_id = sr.person_id
                                                              AND si.item_id = h.item_id
                                           WHERE h.difficulty = sr.difficulty), 0) >= sr.threshold)`;
}

/**
 * The 訂正 of a linked row (`lr`: snapshot_id, row_no) that matter to the run
 * shown, as JSON: corrections in force (applied when made before the run read
 * them, else pending) and corrections the run applied that have since been
 * withdrawn or superseded. Row-level security keeps a 要対協 row's
 * corrections from non-members, like the row.
 */
function correctionsOf(run: ChildRun, lr: RawBuilder<unknown>) {
  const readAt = sql`${run.correctionsReadAt ?? "infinity"}::timestamptz`;
  return sql`(SELECT json_agg(json_build_object(
                  'field', fc.field, 'oldValue', fc.old_value, 'newValue', fc.new_value,
                  'correctedAt', to_char(fc.corrected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                  'status', CASE WHEN fc.withdrawn_at IS NOT NULL THEN 'withdrawal_pending'
                                 WHEN fc.corrected_at < ${readAt} THEN 'applied'
                                 ELSE 'pending' END)
                ORDER BY fc.id)
          FROM fact_correction fc
         WHERE fc.municipality_id = ${lr}.municipality_id AND fc.snapshot_id = ${lr}.snapshot_id
           AND fc.row_no = ${lr}.row_no
           AND (fc.withdrawn_at IS NULL
                OR (fc.corrected_at < ${readAt} AND fc.withdrawn_at >= ${readAt})))`;
}
