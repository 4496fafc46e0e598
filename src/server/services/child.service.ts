/**
 * The child view, household view, search and home list, assembled from the
 * child repository (issue 11). The repository already keeps everything outside
 * the reader's scope and every 要対協 fact of a non-member out; here stored
 * values become the shapes of routes/child/schema.ts. Identity is masked per
 * role on the way out of the API (server/openapi/identity.ts), record data
 * included.
 */
import type { z } from "@hono/zod-openapi";
import { feedCacheOf } from "../../db/change-bus.ts";
import {
  type ChildRun,
  createChildRepository,
  type HouseholdMemberRow,
  type PersonRow,
  stoppedPersons,
} from "../../db/child.repository.ts";
import type { Database } from "../../db/database.ts";
import { createSheetRepository } from "../../db/sheet.repository.ts";
import { type Evidence, evidenceText } from "../../domain/items/evidence.ts";
import { parseDate } from "../../domain/ja/date.ts";
import { safeNfkc } from "../../domain/ja/name.ts";
import { LAYOUTS } from "../../domain/layouts.ts";
import { type DataScope, isCouncilOnlyItem } from "../../domain/policy/index.ts";
import { buildScoreWaterfalls } from "../../domain/scoring/child-view.ts";
import { DIFFICULTY_NAMES, type DifficultyId } from "../../domain/scoring/difficulties.ts";
import { combineShared } from "../../domain/sheets/requests.ts";
import type { childViewSchema, householdSchema } from "../routes/child/schema.ts";
import { readerAnswer } from "./reader-answers.ts";

type ChildView = z.infer<typeof childViewSchema>;
type HouseholdView = z.infer<typeof householdSchema>;

const SOURCE_NAMES = new Map(LAYOUTS.map((l) => [l.id as string, l.name]));
export const sourceName = (id: string) => SOURCE_NAMES.get(id) ?? id;
const typeLabel = (d: string) => DIFFICULTY_NAMES[d as DifficultyId] ?? d;

const withText = (e: Evidence) => ({
  ...e,
  rows: [...e.rows],
  notes: e.notes ? [...e.notes] : undefined,
  text: evidenceText(e),
});

function itemName(run: ChildRun, itemId: string): string {
  return run.rules.catalog.items.find((i) => i.id === itemId)?.name ?? itemId;
}

/** What a search query is: 宛名番号 (digits), 生年月日 (a date) or a name. */
export function classifyQuery(
  q: string,
):
  | { kind: "residentNo"; value: string }
  | { kind: "birthDate"; value: string }
  | { kind: "name"; value: string } {
  const flat = safeNfkc(q).trim();
  if (/^\d{5,}$/.test(flat)) return { kind: "residentNo", value: flat };
  if (/\d/.test(flat)) {
    const d = parseDate(flat);
    if (d.ok) return { kind: "birthDate", value: d.value };
  }
  return { kind: "name", value: q };
}

function householdView(
  run: ChildRun,
  scope: DataScope,
  householdNo: string,
  members: readonly HouseholdMemberRow[],
): HouseholdView {
  const head = members.find((m) => m.relationship === "世帯主") ?? members[0];
  return {
    run: { scoreRunId: run.scoreRunId, asOf: run.asOf },
    householdNo,
    address: head?.address ?? null,
    councilFacts: scope.council,
    members: members.map((m) => ({
      personId: m.personId,
      name: m.name,
      nameKana: m.nameKana,
      birthDate: m.birthDate,
      age: m.age,
      sex: m.sex,
      relationship: m.relationship,
      resident: m.resident,
      stints: [...m.stints],
      sources: m.sources.map((s) => ({ ...s, sourceName: sourceName(s.sourceId) })),
      items: m.items.map((i) => ({
        itemId: i.itemId,
        name: itemName(run, i.itemId),
        evidence: withText(i.evidence),
      })),
      canOpen: m.visible,
      usageStopped: m.usageStopped,
    })),
  };
}

/**
 * The child view of a 所属 account: the child's name (and what the role's
 * masking shows) plus, per difficulty type, what the open requests to the
 * account's affiliation share — built from their stored snapshots
 * (domain/sheets/requests.ts), so mode (b) gives the result and the type, mode
 * (c) nothing about the result, and only mode (a) items and thresholds.
 * Undefined (404) without an open request.
 */
async function sharedChildView(
  db: Database,
  scope: DataScope,
  maskingVersion: string,
  run: ChildRun,
  child: PersonRow,
): Promise<ChildView | undefined> {
  const open = await createSheetRepository(db).openForAffiliation(scope, child.personId);
  if (open.length === 0) return undefined;
  const shared = combineShared(open.map((r) => r.shared));
  // Who the child is; registry numbers and the address are not what a
  // request shares (the masking rules may hide more on the way out).
  const identity = {
    personId: child.personId,
    name: child.name,
    nameKana: child.nameKana,
    birthDate: child.birthDate,
    age: child.age,
    sex: child.sex,
    residentNos: null,
    address: null,
    householdNo: null,
  };
  return {
    run: { scoreRunId: run.scoreRunId, asOf: open[0]?.shared.asOf ?? run.asOf },
    maskingVersion,
    councilFacts: false,
    identity,
    types: shared.types.map((t) => ({
      difficulty: t.difficulty,
      label: t.label,
      method: "",
      applicable: true,
      score: t.score ?? null,
      threshold: t.threshold ?? null,
      flagged: t.flagged,
      excludedBy: [],
      items: (t.items ?? []).map((i) => ({
        itemId: i.itemId,
        name: i.name,
        points: null,
        cumulative: null,
        evidence: {
          itemId: i.itemId,
          asOf: open[0]?.shared.asOf ?? run.asOf,
          subject: "self" as const,
          observed: "",
          criterion: "",
          rows: [],
          matchedRows: 0,
          text: i.text,
        },
      })),
      notHeld: [],
    })),
    records: [],
    history: [],
    household: null,
    sharing: { modes: shared.modes, requestIds: open.map((r) => r.id) },
  };
}

/**
 * Runs the reads of one answer in one transaction: every statement outside a
 * transaction costs BEGIN + scope and COMMIT round trips of its own
 * (db/scoped-driver.ts), which under 50 users was most of a child view's
 * CPU. Read committed, like the separate statements were; reads only.
 */
function inOneTransaction<T>(
  db: Database,
  fn: (repo: ReturnType<typeof createChildRepository>, trx: Database) => Promise<T>,
): Promise<T> {
  return db.transaction().execute((trx) => fn(createChildRepository(trx, db), trx));
}

/** Child, household and search answers kept per database (each at most ~100 kB). */
export const CHILD_ANSWER_ENTRIES = 2_000;

/**
 * Child, household and search answers of the latest run (db/change-bus.ts),
 * always as a reader who sees every child of the municipality would get them
 * (`sharedScope`): such an answer depends on nothing personal, so it is keyed
 * by municipality, 要対協 membership and the run — never shared across
 * municipalities or between members and non-members. A narrower reader
 * (支援担当: cases, affiliation, break-the-glass) is served the same answer
 * cut down to their scope with ONE fresh statement per request
 * (`repo.accessible`): the child must be theirs, household members they may
 * not open lose `canOpen`, search hits they may not see are dropped before
 * paging. 所属 accounts see only what requests share and are not served from
 * it. Cleared by any change of runs, run data, 利用停止 or 訂正, in this
 * process at once and in others through NOTIFY (0092, 0093); not used while
 * the LISTEN connection is down. Masking and auditing stay per request (the
 * route masks the answer on its way out).
 */
export function childAnswerCacheOf(db: Database) {
  return feedCacheOf<unknown>(db, "child-answers", {
    topics: ["score_run", "run_data", "usage_stop", "fact_correction"],
    capacity: CHILD_ANSWER_ENTRIES,
  });
}

/**
 * The scope whose answers are shared: the reader's municipality and 要対協
 * membership, every child. Only ever used to compute an answer that is then
 * cut down to the reader's own scope (or served as is to a reader of `all`).
 */
function sharedScope(scope: DataScope): DataScope {
  return { ...scope, children: "all", affiliation: null, userId: 0 };
}

/** The cache key of a shared answer (`scope` is a {@link sharedScope}). */
function answerKey(scope: DataScope, runId: number, view: string, params: readonly unknown[]) {
  return JSON.stringify([scope.municipalityId, scope.council, runId, view, ...params]);
}

/**
 * Search candidates kept for narrower readers: the first this many hits of
 * the whole municipality; a query matching more is answered by SQL in the
 * reader's scope instead (exact paging and total).
 */
export const SEARCH_CANDIDATES = 500;

function searchIn(
  db: Database,
  scope: DataScope,
  query: ReturnType<typeof classifyQuery>,
  page: { limit: number; offset: number },
) {
  return inOneTransaction(db, async (repo) => {
    const run = await repo.latestRun(scope.municipalityId);
    if (!run) return { run: null, kind: query.kind, total: 0, ...page, hits: [] };
    const r = await repo.search(scope, run, query, page);
    return {
      run: { scoreRunId: run.scoreRunId, asOf: run.asOf },
      kind: query.kind,
      total: r.total,
      ...page,
      hits: r.hits,
    };
  });
}

/** What the child view answers: the view, a child under a 利用停止, or nothing (missing / out of scope). */
export type ChildViewAnswer = ChildView | "usage_stopped" | undefined;

export function createChildService(db: Database) {
  const repo = createChildRepository(db);
  const answers = childAnswerCacheOf(db);
  /** `compute()`, or its cached answer for the latest run (`scope` is a {@link sharedScope}). */
  async function cached<T>(
    scope: DataScope,
    view: string,
    params: readonly unknown[],
    compute: () => Promise<T>,
  ): Promise<T> {
    // The run head is itself cached: no query when warm.
    const run = await repo.latestRun(scope.municipalityId);
    if (!run) return compute();
    return (await answers.get(answerKey(scope, run.scoreRunId, view, params), compute)) as T;
  }
  /** Which of `ids` a narrower reader may see, in the latest run (one statement). */
  async function accessible(scope: DataScope, ids: readonly string[]): Promise<Set<string>> {
    const run = await repo.latestRun(scope.municipalityId);
    return run ? repo.accessible(scope, run, ids) : new Set();
  }
  /** Household members the reader may open (a shared answer cut down to the reader). */
  function narrowed(h: HouseholdView, ok: Set<string>): HouseholdView {
    return {
      ...h,
      members: h.members.map((m) => ({ ...m, canOpen: m.canOpen && ok.has(m.personId) })),
    };
  }
  return {
    latestRun: (municipalityId: number) => repo.latestRun(municipalityId),

    /**
     * The child view; "usage_stopped" for a child of the reader's scope under
     * a 利用停止; undefined when missing or outside the scope (the caller
     * answers 404 alike).
     */
    async view(
      scope: DataScope,
      roles: readonly string[],
      personId: string,
      maskingVersion: string,
    ): Promise<ChildViewAnswer> {
      // A 所属 account's view is built from its requests' shared snapshots: its own, kept for
      // this reader alone (reader-answers.ts: keyed by user id and the whole scope; cleared by
      // any sheet_request write — topic casework — runs, run data, 利用停止, 訂正 and user
      // changes). Read every time, its two statements' planning over the partitioned
      // link_person and score_result was most of the request (issue 15, web bench p95 54 ms).
      if (scope.children === "requests")
        return readerAnswer(db, scope, "child", [personId, maskingVersion, [...roles]], () =>
          inOneTransaction(db, (repo, trx) =>
            viewIn(repo, trx, db, scope, roles, personId, maskingVersion),
          ),
        );
      const withHousehold = roles.some((r) => r === "coordinator" || r === "staff");
      const shared = sharedScope(scope);
      const full = await cached(shared, "child", [personId, maskingVersion, withHousehold], () =>
        inOneTransaction(db, (repo, trx) =>
          viewIn(repo, trx, db, shared, roles, personId, maskingVersion),
        ),
      );
      if (scope.children === "all" || full === undefined) return full;
      const members =
        full !== "usage_stopped" && full.household
          ? full.household.members.filter((m) => m.canOpen).map((m) => m.personId)
          : [];
      const ok = await accessible(scope, [personId, ...members]);
      if (!ok.has(personId)) return undefined;
      if (full === "usage_stopped" || !full.household) return full;
      return { ...full, household: narrowed(full.household, ok) };
    },

    async household(scope: DataScope, householdNo: string): Promise<HouseholdView | undefined> {
      const shared = sharedScope(scope);
      const full = await cached(shared, "household", [householdNo], () =>
        inOneTransaction(db, async (repo) => {
          const run = await repo.latestRun(shared.municipalityId);
          if (!run) return undefined;
          const members = await repo.household(shared, run, householdNo);
          return members ? householdView(run, shared, householdNo, members) : undefined;
        }),
      );
      if (scope.children === "all" || full === undefined) return full;
      // Seen only when the reader may open at least one (scored, not stopped) child of it.
      const ok = await accessible(
        scope,
        full.members.filter((m) => m.canOpen).map((m) => m.personId),
      );
      return ok.size === 0 ? undefined : narrowed(full, ok);
    },

    async search(scope: DataScope, q: string, page: { limit: number; offset: number }) {
      const query = classifyQuery(q);
      const shared = sharedScope(scope);
      if (scope.children === "all")
        return cached(shared, "search", [query, page.limit, page.offset], () =>
          searchIn(db, shared, query, page),
        );
      // A narrower reader: the municipality's first SEARCH_CANDIDATES hits
      // (shared), those the reader may see, then the page.
      const all = await cached(shared, "search", [query, SEARCH_CANDIDATES, 0], () =>
        searchIn(db, shared, query, { limit: SEARCH_CANDIDATES, offset: 0 }),
      );
      if (all.total > all.hits.length) return searchIn(db, scope, query, page);
      const ok = await accessible(
        scope,
        all.hits.map((h) => h.personId),
      );
      const mine = all.hits.filter((h) => ok.has(h.personId));
      return {
        run: all.run,
        kind: all.kind,
        total: mine.length,
        ...page,
        hits: mine.slice(page.offset, page.offset + page.limit),
      };
    },

    /**
     * The home page's 基準以上のこども. A reader who sees every child gets
     * it from the answer cache (per municipality, 要対協 membership and run,
     * like the child view: it reads only the published run's rows); 支援担当
     * and 所属 readers' lists depend on their cases, requests and
     * break-the-glass grants, and are read every time.
     */
    async topFlagged(scope: DataScope, limit: number) {
      const compute = async () => {
        const run = await repo.latestRun(scope.municipalityId);
        if (!run) return { run: null, children: [] };
        const rows = await repo.topFlagged(scope, run, limit);
        return {
          run: { scoreRunId: run.scoreRunId, asOf: run.asOf },
          children: rows.map((r) => ({ ...r, label: typeLabel(r.difficulty) })),
        };
      };
      // The shared answer's key holds no child access: only for readers who see
      // every child. Never share a narrower reader's list, nor give them this one.
      return scope.children === "all" ? cached(scope, "top-flagged", [limit], compute) : compute();
    },
  };
}

async function viewIn(
  repo: ReturnType<typeof createChildRepository>,
  db: Database,
  root: Database,
  scope: DataScope,
  roles: readonly string[],
  personId: string,
  maskingVersion: string,
): Promise<ChildViewAnswer> {
  const run = await repo.latestRun(scope.municipalityId);
  if (!run) return undefined;
  // 利用停止 (db/rights.repository.ts): from the moment it is recorded the
  // child's scores, items and records are no longer shown (the next run
  // leaves them out); a reader who may see the child is told why.
  const stopped = (await stoppedPersons(db, scope.municipalityId, run.linkRunId, root)).includes(
    personId,
  );
  // A 所属 account sees a child only through the requests sent to it, and
  // only what their sharing modes share (issue 13): never the live scores,
  // records, history or household.
  if (scope.children === "requests" || stopped) {
    const child = await repo.findChild(scope, run, personId);
    if (!child) return undefined;
    return stopped ? "usage_stopped" : sharedChildView(db, scope, maskingVersion, run, child);
  }
  // The child, scores, items, records and history in one statement; the
  // run head and the comparisons come from memory when warm.
  const core = await repo.viewCore(scope, run, personId);
  if (!core) return undefined;
  const { child, scores, items, records, history } = core;
  const comparisons = await repo.comparisons(scope, run);
  const held = new Map(items.map((i) => [i.itemId, i.evidence]));
  const types = buildScoreWaterfalls(
    run.rules,
    scores,
    held,
    (id) => scope.council || !isCouncilOnlyItem(id),
  );
  const juminAddress = [...records].reverse().find((r) => r.sourceId === "jumin")?.data.住所;
  const identity = {
    personId: child.personId,
    name: child.name,
    nameKana: child.nameKana,
    birthDate: child.birthDate,
    age: child.age,
    sex: child.sex,
    residentNos: [...child.residentNos],
    address: typeof juminAddress === "string" ? juminAddress : null,
    householdNo: child.householdNo,
  };
  const members =
    child.householdNo && roles.some((r) => r === "coordinator" || r === "staff")
      ? await repo.household(scope, run, child.householdNo)
      : undefined;
  return {
    run: { scoreRunId: run.scoreRunId, asOf: run.asOf },
    maskingVersion,
    councilFacts: scope.council,
    identity,
    types: types.map((t) => ({
      ...t,
      excludedBy: [...t.excludedBy],
      notHeld: [...t.notHeld],
      items: t.items.map((i) => ({ ...i, evidence: withText(i.evidence) })),
    })),
    records: records.map((r) => ({
      corrections: (r.corrections ?? []).map((x) => ({ ...x })),
      sourceId: r.sourceId,
      sourceName: sourceName(r.sourceId),
      fileName: r.fileName,
      rowNo: r.rowNo,
      asOf: r.asOf,
      data: { ...r.data },
      method: r.method,
      probability: r.probability,
      explanation: (r.levels ?? []).map((level, i) => {
        const c = comparisons[i];
        return {
          field: c?.label ?? `比較${i + 1}`,
          level,
          levelLabel: level === 0 ? "値なし" : (c?.levels[level - 1]?.label ?? String(level)),
          weight: r.weights?.[i] ?? 0,
        };
      }),
    })),
    history: history.map((h) => ({ ...h, label: typeLabel(h.difficulty) })),
    household:
      members && child.householdNo ? householdView(run, scope, child.householdNo, members) : null,
    sharing: null,
  };
}
