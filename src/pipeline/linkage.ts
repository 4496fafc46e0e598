/**
 * The 名寄せ stage of a run (issue 5): read the current snapshot of every
 * source as of a date, turn each stored row into a LinkRecord, link them with
 * the previous run's person ids and every reviewer decision, and store the
 * run (persons, one link per row, the review queue, the model, the id
 * assignment for the next run and the child of every mother-keyed checkup row)
 * in one transaction. The linkage itself is the
 * pure domain/linkage; this module only moves data in and out.
 */
import { createAuditRepository } from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import { createImportRepository, type SnapshotSummary } from "../db/import.repository.ts";
import {
  createLinkageRepository,
  type LinkToStore,
  type MotherChildToStore,
  type RunToStore,
  saveLinkRun,
} from "../db/linkage.repository.ts";
import { MimamoriError } from "../domain/errors.ts";
import type { Sources } from "../domain/layouts.ts";
import {
  type LinkResult,
  linkExplanations,
  linkRecords,
  prepareProfiles,
} from "../domain/linkage/japanese.ts";
import {
  linkChildrenOfMothers,
  type MotherChildLink,
  type MotherRowFacts,
} from "../domain/linkage/mother-child.ts";
import { RecordColumns } from "../domain/linkage/record-columns.ts";
import type { LinkageSettings } from "../domain/linkage/settings.ts";
import type { LinkMethod, PersonId } from "../domain/linkage/types.ts";
import { COUNCIL_ONLY_SOURCES } from "../domain/policy/index.ts";
import type { IsoDate } from "../domain/types.ts";
import { loadGaiji } from "./gaiji.ts";
import { linkColumnsOf, linkInputOfFields } from "./link-input.ts";
import { linkWorkerCount, prepareProfilesInWorkers } from "./link-pool.ts";
import { loadLinkageSettings } from "./linkage-settings.ts";
import { releaseStageMemory } from "./release-memory.ts";
import { loadSources } from "./sources.ts";
import type { StageReporter } from "./stages.ts";

export interface LinkageTarget {
  readonly db: Database;
  readonly url: string;
}

export interface LinkageRunOptions {
  readonly municipalityId: number;
  /** Default: the newest as-of date among current imports. */
  readonly asOf?: IsoDate;
  readonly actor: { readonly userId: number | null; readonly loginName: string };
  readonly settings?: LinkageSettings;
  /** Wall clock for stage times (the domain never reads the time itself). */
  readonly clock?: () => number;
  /** Told when each stage (read, link, store_links) begins and ends (pipeline/run.ts). */
  readonly progress?: StageReporter;
  /** Store the run unpublished: the monthly run publishes it with its scores (pipeline/run.ts). */
  readonly pending?: boolean;
  /** Worker threads for normalising (default: linkWorkerCount, none for small inputs). */
  readonly workers?: number;
}

export interface LinkageRunReport {
  readonly runId: number;
  readonly asOf: IsoDate;
  readonly snapshots: number;
  readonly rows: number;
  /** Rows rejected at import, listed as unlinked. */
  readonly rejected: number;
  readonly persons: number;
  /** Persons holding no registry record (居所不明 risk when a child). */
  readonly unmatched: number;
  readonly review: number;
  readonly methods: Readonly<Record<LinkMethod, number>>;
  /** Mother-keyed checkup rows by how their child was found (none: not found). */
  readonly motherChild: Readonly<Record<"id" | "rule" | "none", number>>;
  readonly timings: Readonly<Record<string, number>>;
}

/** Links every current row as of a date and stores the run. */
export async function runLinkage(
  target: LinkageTarget,
  options: LinkageRunOptions,
): Promise<LinkageRunReport> {
  const clock = options.clock ?? (() => 0);
  const progress = options.progress;
  await progress?.enter("read");
  const t0 = clock();
  const imports = createImportRepository(target.db);
  const asOf = options.asOf ?? (await imports.newestAsOf(options.municipalityId));
  if (asOf === undefined)
    throw new MimamoriError(
      "not_found",
      "取り込まれたデータがありません。先に mimamori import でファイルを取り込んでください。",
    );
  const snapshots = await imports.currentSnapshots(options.municipalityId, { asOf });
  if (snapshots.length === 0)
    throw new MimamoriError(
      "not_found",
      `${asOf} 以前の取り込みデータがありません。--as-of の日付を確かめてください。`,
    );

  // Declared sources say which columns identify a row's person (pipeline/sources.ts).
  const sources = await loadSources(target.db, options.municipalityId);
  // Read and link in a function of their own (readAndLink): the rows read, the profiles and
  // the engine's pairs are then unreachable while the run is stored, and only what the store
  // writes is held (issue 15: on a metro they were ~0.6 GB kept through the store, where the
  // link stage peaked).
  const { run, counts, methods, motherChildStats, timings, tLink } = await readAndLink(
    target,
    options,
    { asOf, snapshots, sources, clock, t0 },
  );
  // One full collection before the store: the link stage's garbage (~1 GB on a metro) would
  // otherwise still be on the heap when the store's allocations start (release-memory.ts).
  releaseStageMemory();
  const runId = await saveLinkRun(target.url, run);
  const tStore = clock();
  await progress?.done("store_links", {
    links: counts.rows + counts.rejected,
    motherChild: motherChildStats.id + motherChildStats.rule,
  });
  // Counts only: never names or resident numbers in the audit log (db/README.md).
  await createAuditRepository(target.db).append({
    municipalityId: options.municipalityId,
    actorUserId: options.actor.userId,
    actor: options.actor.loginName,
    action: "run.link",
    target: `link_run:${runId}`,
    detail: {
      asOf,
      snapshots: snapshots.length,
      rows: counts.rows,
      persons: counts.persons,
      unmatched: counts.unmatched,
      review: counts.review,
      methods,
    },
  });
  return {
    runId,
    asOf,
    snapshots: snapshots.length,
    ...counts,
    methods,
    motherChild: motherChildStats,
    timings: { ...timings, store: tStore - tLink },
  };
}

/**
 * The read and link parts of runLinkage: returns the run as saveLinkRun takes it (links and
 * mother–child links as generators over compact arrays) and the counts of the report. Nothing
 * it returns holds the rows read or the engine's internals.
 */
async function readAndLink(
  target: LinkageTarget,
  options: LinkageRunOptions,
  context: {
    readonly asOf: IsoDate;
    readonly snapshots: readonly SnapshotSummary[];
    readonly sources: Sources;
    readonly clock: () => number;
    readonly t0: number;
  },
) {
  const { asOf, snapshots, sources, clock, t0 } = context;
  const progress = options.progress;
  const linkage = createLinkageRepository(target.db);
  const { records, motherFacts, rowNos, snapshotStart, rejected } = await readLinkInput(
    target.db,
    options.municipalityId,
    snapshots,
    sources,
  );
  const tRead = clock();
  await progress?.done("read", {
    snapshots: snapshots.length,
    rows: records.length,
    rejected: rejected.length,
  });

  await progress?.enter("link");
  const previous = await linkage.loadIdentity(options.municipalityId);
  const decisions = await linkage.listDecisions(options.municipalityId);
  // The municipality's 外字 table (mimamori gaiji set): private-use characters in names.
  const gaiji = await loadGaiji(target.db, options.municipalityId);
  // The municipality's own settings (mimamori linkage settings set), else the built-in ones.
  const settings =
    options.settings ?? (await loadLinkageSettings(target.db, options.municipalityId)).settings;
  // Normalising in worker threads when the input is large (pipeline/link-pool.ts): same result.
  const tPrepare = clock();
  const workers = options.workers ?? linkWorkerCount(records.length);
  // Prepared here, not inside linkRecords (the same call it would make), so that prepare's
  // garbage is collected before the engine allocates: on a metro the link stage peaked just
  // after prepare (docs/benchmarks.md, "Link stage memory, third step").
  const prepared =
    workers > 0
      ? await prepareProfilesInWorkers(records, { ...(gaiji.size > 0 ? { gaiji } : {}), workers })
      : prepareProfiles(records, gaiji.size > 0 ? { gaiji } : {});
  const prepareMs = clock() - tPrepare;
  releaseStageMemory();
  const result = linkRecords(records, {
    settings,
    ...(gaiji.size > 0 ? { gaiji } : {}),
    decisions,
    previous,
    clock,
    prepared,
  });
  // The engine's garbage (pairs, edges, the persons' scratch) is collected before the rest of
  // the stage allocates: on a metro the heap otherwise grew on top of it (release-memory.ts).
  releaseStageMemory();
  // 妊婦/産婦健診 rows are the mother's; store the child each is about (layouts.md rule).
  const personOf: (PersonId | null)[] = new Array(result.links.length);
  for (let i = 0; i < personOf.length; i++) personOf[i] = result.links.personId(i);
  const motherChild = linkChildrenOfMothers(records, personOf, motherFacts);
  const tLink = clock();
  await progress?.done("link", {
    persons: result.persons.length,
    unmatched: result.unmatched.length,
    review: result.review.length,
  });
  await progress?.enter("store_links");

  const explain = linkExplanations(result);
  const methods: Record<LinkMethod, number> = { id: 0, probabilistic: 0, manual: 0, unlinked: 0 };
  const motherChildStats = { id: 0, rule: 0, none: 0 };
  for (const m of motherChild) motherChildStats[m.method]++;
  const stats = {
    ...result.stats,
    motherChild: motherChildStats,
    unmatched: result.unmatched.length,
    review: result.review.length,
    reviewPairs: result.review.reduce((n, v) => n + v.pairs, 0),
    decisions: {
      inForce: decisions.length,
      applied: result.decisions.filter((n) => n > 0).length,
    },
    personEvents: {
      split: result.events.filter((e) => e.kind === "split").length,
      merge: result.events.filter((e) => e.kind === "merge").length,
    },
  };
  const councilOnly = new Set(COUNCIL_ONLY_SOURCES);
  const sourcesOf = (rows: readonly number[]) =>
    [...new Set(rows.map((r) => records.sourceAt(r) as string))].sort();
  // Rows a decision settles, without council-only rows (the order is the same for everyone).
  const openRows = (v: (typeof result.review)[number]) =>
    Object.entries(v.sourceRows).reduce((n, [src, k]) => (councilOnly.has(src) ? n : n + k), 0);
  const run: RunToStore = {
    municipalityId: options.municipalityId,
    asOf,
    snapshotIds: snapshots.map((s) => s.id),
    settings: result.settings,
    model: result.model,
    assignment: result.assignment,
    previousIds: previous.byKey,
    events: result.events,
    stats,
    actor: options.actor.loginName,
    pending: options.pending === true,
    gaiji,
    // The persons as linked (a PersonToStore each, plus their records): a copy of a metro
    // run's 760,000 persons was ~0.1 GB held until the store ended.
    persons: result.persons,
    links: linksToStore(
      { snapshots, snapshotStart, rowNos, rejected },
      { links: result.links, personOf, explain },
      methods,
    ),
    motherChild: motherChildToStore(snapshots, snapshotStart, rowNos, motherChild, personOf),
    reviews: result.review.map((v) => ({
      leftKey: v.leftKey,
      rightKey: v.rightKey,
      leftAnchors: v.leftAnchors,
      rightAnchors: v.rightAnchors,
      pairs: v.pairs,
      rows: openRows(v),
      sources: v.sources,
      schools: v.schools,
      leftSources: sourcesOf(v.leftRecords),
      rightSources: sourcesOf(v.rightRecords),
      leftPerson: v.leftPerson,
      rightPerson: v.rightPerson,
      weight: v.weight,
      probability: v.probability,
      reason: v.reason,
      explanation: v.explanation,
    })),
  };

  return {
    run,
    counts: {
      rows: records.length,
      rejected: rejected.length,
      persons: result.persons.length,
      unmatched: result.unmatched.length,
      review: result.review.length,
    },
    methods,
    motherChildStats,
    tLink,
    timings: {
      read: tRead - t0,
      link: tLink - tRead,
      // The engine's own stages inside "link" (prepare, blocking, … persons), for the benchmark.
      ...Object.fromEntries(
        Object.entries(result.stats.timings).map(([k, v]) => [`link.${k}`, v] as const),
      ),
      "link.prepare": prepareMs,
      "link.workers": workers,
    } as Record<string, number>,
  };
}

/**
 * Every row's link as the store writes it (one a row read, then the rejected rows), counting
 * methods as it goes. At module level so that it holds only its arguments (readAndLink).
 */
function* linksToStore(
  input: Pick<LinkInput, "snapshotStart" | "rowNos" | "rejected"> & {
    readonly snapshots: readonly SnapshotSummary[];
  },
  linked: {
    readonly links: LinkResult["links"];
    readonly personOf: readonly (PersonId | null)[];
    readonly explain: ReturnType<typeof linkExplanations>;
  },
  methods: Record<LinkMethod, number>,
): Generator<LinkToStore> {
  const { snapshots, snapshotStart, rowNos, rejected } = input;
  const { links, personOf, explain } = linked;
  for (let k = 0; k < snapshots.length; k++) {
    const o = snapshots[k] as (typeof snapshots)[number];
    const end = snapshotStart[k + 1] as number;
    for (let i = snapshotStart[k] as number; i < end; i++) {
      const l = links.at(i);
      if (!l) continue;
      methods[l.method]++;
      const x = l.method === "probabilistic" ? explain(i) : null;
      yield {
        snapshotId: o.id,
        rowNo: rowNos[i] as number,
        sourceId: o.sourceId,
        fileName: o.fileName,
        personId: personOf[i] ?? null,
        method: l.method,
        probability: l.probability,
        profileKey: l.profileKey,
        levels: x?.levels ?? null,
        weights: x?.weights ?? null,
      };
    }
  }
  for (const o of rejected) {
    methods.unlinked++;
    yield {
      ...o,
      personId: null,
      method: "unlinked",
      probability: null,
      profileKey: "",
      levels: null,
      weights: null,
    };
  }
}

/** The child of each mother-keyed row as the store writes it (module level: see linksToStore). */
function* motherChildToStore(
  snapshots: readonly SnapshotSummary[],
  snapshotStart: readonly number[],
  rowNos: Int32Array,
  motherChild: readonly MotherChildLink[],
  personOf: readonly (PersonId | null)[],
): Generator<MotherChildToStore> {
  /** The snapshot record `i` was read from (binary search over snapshotStart). */
  const snapshotOf = (i: number) => {
    let lo = 0;
    let hi = snapshots.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((snapshotStart[mid] as number) <= i) lo = mid;
      else hi = mid - 1;
    }
    return snapshots[lo] as (typeof snapshots)[number];
  };
  for (const m of motherChild) {
    if (m.method === "none") continue;
    const o = snapshotOf(m.record);
    for (const child of m.children)
      yield {
        snapshotId: o.id,
        rowNo: rowNos[m.record] as number,
        sourceId: o.sourceId,
        fileName: o.fileName,
        motherPersonId: personOf[m.record] ?? null,
        childPersonId: child,
        method: m.method,
      };
  }
}

/** What the link stage reads of a run's snapshots (readLinkInput). */
export interface LinkInput {
  /** Every stored row's identity fields, in (snapshot, row) order. */
  readonly records: RecordColumns;
  /** The mother–child rule's facts of each row of a mother-keyed source. */
  readonly motherFacts: MotherRowFacts[];
  /** Record i's row number (the array may be longer than the records). */
  readonly rowNos: Int32Array;
  /** The first record of each snapshot, then the number of records. */
  readonly snapshotStart: number[];
  /** Rows rejected at import, listed as unlinked. */
  readonly rejected: { snapshotId: number; rowNo: number; fileName: string; sourceId: string }[];
}

/**
 * Reads the stored rows of `snapshots` (in their order) as the link stage needs them: each
 * valid row's LinkRecord and mother facts, and the rejected rows. Sources (`sources`) say which
 * columns identify a row's person (pipeline/sources.ts).
 */
export async function readLinkInput(
  db: Database,
  municipalityId: number,
  snapshots: readonly SnapshotSummary[],
  sources: Sources,
): Promise<LinkInput> {
  const imports = createImportRepository(db);
  // Every row's identity fields in columns (domain/linkage/record-columns.ts): a metro run's
  // three million rows as objects were about 0.9 GB.
  const records = new RecordColumns();
  const motherFacts: MotherRowFacts[] = [];
  // Where each record came from: its row number, and its snapshot as the first record of each
  // snapshot (records are read snapshot by snapshot): two numbers a row, not an object.
  let rowNos = new Int32Array(1 << 16);
  const snapshotStart: number[] = [];
  for (const s of snapshots) {
    snapshotStart.push(records.length);
    const cols = linkColumnsOf(s.sourceId, sources);
    for await (const page of imports.streamRowFields(municipalityId, s.id, cols.columns)) {
      for (const r of page) {
        const { record, mother } = linkInputOfFields(
          cols,
          s.fileName,
          r.rowNo,
          records.length,
          r.values,
          r.asOf,
        );
        if (mother) motherFacts.push(mother);
        if (records.length === rowNos.length) {
          const grown = new Int32Array(rowNos.length * 2);
          grown.set(rowNos);
          rowNos = grown;
        }
        rowNos[records.length] = r.rowNo;
        records.push(record);
      }
    }
  }
  snapshotStart.push(records.length);
  records.seal();
  // Rejected rows are listed too, unlinked: `export links` has one line per imported row.
  const rejected: LinkInput["rejected"] = [];
  for (const s of snapshots) {
    let after = 0;
    while (true) {
      const page = await imports.listRejectedRows(municipalityId, s.id, {
        afterRow: after,
        limit: 5000,
      });
      for (const r of page)
        rejected.push({
          snapshotId: s.id,
          rowNo: r.rowNo,
          fileName: s.fileName,
          sourceId: s.sourceId,
        });
      if (page.length < 5000) break;
      after = (page.at(-1) as { rowNo: number }).rowNo;
    }
  }
  return { records, motherFacts, rowNos, snapshotStart, rejected };
}
