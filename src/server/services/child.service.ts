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
 * only for readers who see every child (`children: "all"`): their answer
 * depends on nothing personal, so it is keyed by municipality, 要対協
 * membership and the run — never shared across municipalities or between
 * members and non-members. Readers limited to some children (支援担当, 所属)
 * are never served from it: their scope depends on their cases and requests.
 * Cleared by any change of runs, run data, 利用停止 or 訂正, in this process
 * at once and in others through NOTIFY (0092, 0093); not used while the LISTEN
 * connection is down. Masking and auditing stay per request (the route masks
 * the answer on its way out).
 */
export function childAnswerCacheOf(db: Database) {
  return feedCacheOf<unknown>(db, "child-answers", {
    topics: ["score_run", "run_data", "usage_stop", "fact_correction"],
    capacity: CHILD_ANSWER_ENTRIES,
  });
}

/** The cache key of an answer, or undefined when the reader's answers are not cached. */
function answerKey(
  scope: DataScope,
  runId: number,
  view: string,
  params: readonly unknown[],
): string | undefined {
  if (scope.children !== "all") return undefined;
  return JSON.stringify([scope.municipalityId, scope.council, runId, view, ...params]);
}

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

export function createChildService(db: Database) {
  const repo = createChildRepository(db);
  const answers = childAnswerCacheOf(db);
  /** `compute()`, or its cached answer for the latest run when the reader may share one. */
  async function cached<T>(
    scope: DataScope,
    view: string,
    params: readonly unknown[],
    compute: () => Promise<T>,
  ): Promise<T> {
    if (scope.children !== "all") return compute();
    // The run head is itself cached: no query when warm.
    const run = await repo.latestRun(scope.municipalityId);
    const key = run ? answerKey(scope, run.scoreRunId, view, params) : undefined;
    if (!key) return compute();
    return (await answers.get(key, compute)) as T;
  }
  return {
    latestRun: (municipalityId: number) => repo.latestRun(municipalityId),

    /** The child view, or undefined when missing or outside the scope (the caller answers 404). */
    async view(
      scope: DataScope,
      roles: readonly string[],
      personId: string,
      maskingVersion: string,
    ): Promise<ChildView | undefined> {
      const withHousehold = roles.some((r) => r === "coordinator" || r === "staff");
      return cached(scope, "child", [personId, maskingVersion, withHousehold], () =>
        inOneTransaction(db, (repo, trx) =>
          viewIn(repo, trx, scope, roles, personId, maskingVersion),
        ),
      );
    },

    async household(scope: DataScope, householdNo: string): Promise<HouseholdView | undefined> {
      return cached(scope, "household", [householdNo], () =>
        inOneTransaction(db, async (repo) => {
          const run = await repo.latestRun(scope.municipalityId);
          if (!run) return undefined;
          const members = await repo.household(scope, run, householdNo);
          return members ? householdView(run, scope, householdNo, members) : undefined;
        }),
      );
    },

    async search(scope: DataScope, q: string, page: { limit: number; offset: number }) {
      const query = classifyQuery(q);
      return cached(scope, "search", [query, page.limit, page.offset], () =>
        searchIn(db, scope, query, page),
      );
    },

    /**
     * The home page's 基準以上のこども. A reader who sees every child gets
     * it from the answer cache (per municipality, 要対協 membership and run,
     * like the child view: it reads only the published run's rows); 支援担当
     * and 所属 readers' lists depend on their cases, requests and
     * break-the-glass grants, and are read every time.
     */
    async topFlagged(scope: DataScope, limit: number) {
      return cached(scope, "top-flagged", [limit], async () => {
        const run = await repo.latestRun(scope.municipalityId);
        if (!run) return { run: null, children: [] };
        const rows = await repo.topFlagged(scope, run, limit);
        return {
          run: { scoreRunId: run.scoreRunId, asOf: run.asOf },
          children: rows.map((r) => ({ ...r, label: typeLabel(r.difficulty) })),
        };
      });
    },
  };
}

async function viewIn(
  repo: ReturnType<typeof createChildRepository>,
  db: Database,
  scope: DataScope,
  roles: readonly string[],
  personId: string,
  maskingVersion: string,
): Promise<ChildView | undefined> {
  const run = await repo.latestRun(scope.municipalityId);
  if (!run) return undefined;
  // A 所属 account sees a child only through the requests sent to it, and
  // only what their sharing modes share (issue 13): never the live scores,
  // records, history or household.
  if (scope.children === "requests") {
    const child = await repo.findChild(scope, run, personId);
    return child ? sharedChildView(db, scope, maskingVersion, run, child) : undefined;
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
