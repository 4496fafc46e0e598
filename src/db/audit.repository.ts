import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Database } from "./database.ts";
import {
  currentDataScope,
  runAsOwner,
  runsAsOwner,
  withDataScope,
  withoutDataScope,
} from "./scope.ts";

/**
 * What the audit log records: who did what, when, to what, from where and why.
 * `detail` must never hold names or resident numbers — ids and counts only (the
 * log is read by administrators who are not entitled to the data itself).
 */
export interface AuditEntry {
  /** The municipality the event belongs to; null only when it cannot be known (a login attempt with an unknown name). */
  municipalityId: number | null;
  actorUserId: number | null;
  actor: string;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
  /** From where: the client address of the HTTP request (null for the CLI and jobs). */
  clientAddress?: string | null;
  /** The person (link person id) the action concerned: a child view, a correction… */
  personId?: string | null;
  /** Why: the purpose the user gave (exports, break-the-glass). */
  purpose?: string | null;
}

export interface AuditRecord {
  id: string;
  at: Date;
  actorUserId: number | null;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
  clientAddress: string | null;
  personId: string | null;
  purpose: string | null;
}

/** A point of the chain: the row id and its hash (hex). */
export interface ChainAnchor {
  id: string;
  hash: string;
}

/** The result of checking the chain. */
export interface ChainStatus {
  ok: boolean;
  /** Rows from the start of the chain up to `lastId` that are known good (when ok). */
  rows: number;
  /** Rows whose hashes were recomputed by this check (incremental checks recompute only new rows). */
  checkedNow: number;
  /** The first row found broken (edited, or its predecessor deleted), or the anchor that no longer matches. */
  firstBadId: string | null;
  /**
   * "chain": a row's hash or link is wrong; "anchor": a verified checkpoint no
   * longer matches (rebuilt chain or removed rows); "disclosure": the persons
   * an export disclosed (audit_disclosure) no longer match the count and
   * SHA-256 its row keeps — a chunk edited, deleted or added (firstBadId is
   * the export's audit row).
   */
  problem: "chain" | "anchor" | "disclosure" | null;
  /** Exports whose disclosed persons were recomputed by this check (incrementally: new rows and new chunks). */
  disclosuresCheckedNow?: number;
  /** The newest row checked (the tail), for an external checkpoint. */
  tail: ChainAnchor | null;
}

/** Rows verified per query: bounds one query's memory on a long log. */
const VERIFY_CHUNK = 50_000;

type RawRecord = {
  id: string;
  at: Date;
  actor_user_id: number | null;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
  client_address: string | null;
  person_id: string | null;
  purpose: string | null;
};

/**
 * 要対協 facts in the audit log (issue 12): a row is council-only when it
 * registers a case with the council, concerns a case the reader cannot see
 * (row-level security hides council cases from non-members, so a case row
 * whose case is not visible is treated as council-only — fail closed, which
 * also hides rows of purged cases from non-members), trains on the council
 * labels, was marked `detail.councilOnly` by its writer, or names a council
 * source or item (yotaikyo, ichiji_hogo, B01, B02) in its target or detail
 * (an import of the 要対協 source, a filter "B11 AND NOT B01"…). The filter
 * is SQL and keyed on the transaction's data scope
 * (`mimamori_scope_council()`), so a non-member 監査 user never receives such
 * a row: not in the list, the detail, the reports, their counts or exports.
 */
const COUNCIL_AUDIT_PATTERN = "(B01|B02|yotaikyo|ichiji_hogo)";
export const councilAuditRowVisible = sql<boolean>`(mimamori_scope_council() OR NOT (
  audit_log.action = 'case.register_council'
  OR coalesce(audit_log.detail->>'councilOnly', '') = 'true'
  OR coalesce(audit_log.target, '') ~ ${COUNCIL_AUDIT_PATTERN}
  OR audit_log.detail::text ~ ${COUNCIL_AUDIT_PATTERN}
  OR (coalesce(audit_log.target, '') LIKE 'case:%' AND NOT EXISTS (
        SELECT 1 FROM child_case cc
        WHERE cc.municipality_id = audit_log.municipality_id
          AND cc.id::text = substring(audit_log.target FROM 6)))
))`;

/** Which rows a per-person report shows (issue 12). */
export type PersonReportMode = "direct" | "listed" | "all";
/** direct: the person's own view; listed: shown in a list page; exported: in an export's file. */
export type PersonReportHow = "direct" | "listed" | "exported";
export type PersonReportRow = AuditRecord & { how: PersonReportHow };

/** Person ids per audit_disclosure row (migration 0078): bounds each row whatever the export's size. */
export const DISCLOSURE_CHUNK = 1_000;

/**
 * What an export's audit row says about the persons it disclosed (the ids
 * themselves are in audit_disclosure): how many, and the SHA-256 (hex) of the
 * sorted distinct ids joined by "\n" — the hash chain covers the row, so a
 * chunk changed or removed afterwards no longer matches the digest.
 */
export interface DisclosedSummary {
  persons: number;
  sha256: string;
  /**
   * Made in a council member's scope (the CLI always is): which children such
   * an export held can reveal 要対協 facts (a member's "flagged" list counts
   * B01/B02), so the per-person report links them to the child for members only.
   */
  council: boolean;
}

/** The sorted distinct ids and their summary. */
export function disclosedSummary(
  persons: Iterable<string>,
  council: boolean,
): { ids: string[]; summary: DisclosedSummary } {
  const ids = [...new Set(persons)].sort();
  const sha256 = createHash("sha256").update(ids.join("\n")).digest("hex");
  return { ids, summary: { persons: ids.length, sha256, council } };
}

/** The persons an export disclosed, and whether it was made in a council member's scope. */
export interface Disclosure {
  persons: Iterable<string>;
  council: boolean;
}

/** Actions whose `detail.persons` are each directly shown (a household's members). */
const DIRECT_LIST_ACTIONS = ["household.view", "rights.disclosure"] as const;

/**
 * A list view (判定一覧, ホーム, ルール詳細, search, agenda, 候補リスト…) that
 * names children in `detail.persons` records the scope it was shown in as
 * `detail.council` (the request's data scope; true without one, as the CLI
 * and the owner run with every fact — fail closed). A member's list is ranked,
 * flagged and filtered with B01/B02 and council cases, so "child X was on a
 * member's page" can reveal a council fact: such rows are linked to the child
 * (per-person report) and show their `persons`/`cases` (the row's detail) to
 * member auditors only, like a member's export (DisclosedSummary.council);
 * a non-member reads only how such a list was asked for (LIST_DETAIL_SHOWN).
 * The row itself (who, when, filter) stays visible under the council filter.
 * A writer that knows better sets `detail.council` itself.
 */
function withListScope(e: AuditEntry): AuditEntry {
  const d = e.detail;
  if (!d || !Array.isArray(d.persons) || typeof d.council === "boolean") return e;
  const council = runsAsOwner() ? true : (currentDataScope()?.council ?? true);
  return { ...e, detail: { ...d, council } };
}

/**
 * A row's `detail.persons` may be linked to its children for the reader:
 * a member (any row), a directly shown list (a household's members, 開示), or
 * a list shown in a non-member's scope (`detail.council` false; a row without
 * the mark counts as a member's — fail closed).
 */
const listedPersonsVisible = sql<boolean>`(mimamori_scope_council()
  OR audit_log.action IN (${sql.join(DIRECT_LIST_ACTIONS)})
  OR coalesce(audit_log.detail->>'council', 'true') = 'false')`;

/**
 * What of a member's list row a non-member may read: how the list was asked
 * for, never what it held — the children, cases, and the counts (a member's
 * total of flagged children counts B01/B02 too).
 */
const LIST_DETAIL_SHOWN = [
  "filter",
  "sort",
  "households",
  "offset",
  "view",
  "kind",
  "month",
  "difficulty",
  "direction",
  "version",
  "council",
];

/** The row's detail as the reader may see it: a member's list keeps only LIST_DETAIL_SHOWN for a non-member. */
const detailForReader = sql<unknown>`CASE
  WHEN NOT (audit_log.detail ?| array['persons', 'cases']) OR ${listedPersonsVisible}
    THEN audit_log.detail
  ELSE coalesce((SELECT jsonb_object_agg(e.key, e.value)
                   FROM jsonb_each(audit_log.detail) AS e
                  WHERE e.key = ANY(${LIST_DETAIL_SHOWN}::text[])), '{}'::jsonb)
       || '{"personsHidden": true}'::jsonb END`;

/** The columns of a read of the log; `detail` as the reader may see it. */
const recordColumns = [
  "audit_log.id",
  "audit_log.at",
  "audit_log.actor_user_id",
  "audit_log.actor",
  "audit_log.action",
  "audit_log.target",
  detailForReader.as("detail"),
  "audit_log.client_address",
  "audit_log.person_id",
  "audit_log.purpose",
] as const;

const toRecord = (r: RawRecord): AuditRecord => ({
  id: r.id,
  at: r.at,
  actorUserId: r.actor_user_id,
  actor: r.actor,
  action: r.action,
  target: r.target,
  detail: r.detail,
  clientAddress: r.client_address,
  personId: r.person_id,
  purpose: r.purpose,
});

export function createAuditRepository(db: Database) {
  /** Checks rows after `from` (exclusive) up to the tail; `from` null = the start of the chain. */
  async function verifyFrom(
    from: ChainAnchor | null,
    rowsBefore: number,
  ): Promise<Omit<ChainStatus, "problem"> & { problem: "chain" | null }> {
    let afterId = from?.id ?? "0";
    let afterHash: Buffer = from ? Buffer.from(from.hash, "hex") : Buffer.alloc(0);
    let checked = 0;
    let tail = from;
    for (;;) {
      const r = await sql<{
        checked: string;
        first_bad: string | null;
        last_id: string | null;
        last_hash: Buffer | null;
      }>`SELECT checked::text, first_bad::text, last_id::text, last_hash
         FROM audit_log_verify_range(${afterId}::bigint, ${afterHash}, ${VERIFY_CHUNK})`.execute(
        db,
      );
      const row = r.rows[0];
      const n = Number(row?.checked ?? 0);
      if (row?.first_bad) {
        return {
          ok: false,
          rows: rowsBefore + checked,
          checkedNow: checked + n,
          firstBadId: row.first_bad,
          problem: "chain",
          tail,
        };
      }
      if (n === 0 || !row?.last_id || !row.last_hash) break;
      checked += n;
      afterId = row.last_id;
      afterHash = row.last_hash;
      tail = { id: row.last_id, hash: row.last_hash.toString("hex") };
      if (n < VERIFY_CHUNK) break;
    }
    return {
      ok: true,
      rows: rowsBefore + checked,
      checkedNow: checked,
      firstBadId: null,
      problem: null,
      tail,
    };
  }

  const repo = {
    /**
     * Appends one row and resolves once it is committed (durable). Outside a
     * transaction the row goes through the group-commit writer (below): rows
     * that arrive while a batch is being written are appended together in the
     * next batch, in arrival order, with one commit. Inside a transaction the
     * row is written by that transaction (it commits or rolls back with it).
     */
    async append(entry: AuditEntry): Promise<void> {
      const e = withListScope(entry);
      if (db.isTransaction) {
        await insertRows(db, [e]);
        return;
      }
      await writerFor(db).append(e);
    },

    /**
     * Appends an export's audit row together with the persons the export
     * disclosed (issue 12): one transaction inserts the row (its id from the
     * chain trigger) and the ids in chunks of {@link DISCLOSURE_CHUNK} into
     * audit_disclosure with ONE statement, so an export of 30,000 children
     * costs one audit row of constant size plus 30 chunk rows, and the row and
     * its persons are committed together or not at all. `detail.disclosed`
     * gets the count and digest. Returns the audit row's id.
     */
    async appendDisclosure(e: AuditEntry, disclosure: Disclosure): Promise<string> {
      const municipalityId = e.municipalityId;
      if (municipalityId === null)
        throw new Error("appendDisclosure: an export always belongs to a municipality");
      const { ids, summary } = disclosedSummary(disclosure.persons, disclosure.council);
      const work = async (trx: Database): Promise<string> => {
        const row = await trx
          .insertInto("audit_log")
          .values(rowOf({ ...e, detail: { ...e.detail, disclosed: summary } }))
          .returning("id")
          .executeTakeFirstOrThrow();
        if (ids.length > 0)
          await sql`
            INSERT INTO audit_disclosure (audit_id, chunk, municipality_id, persons)
            SELECT ${row.id}::bigint, (u.ord - 1) / ${DISCLOSURE_CHUNK}, ${municipalityId}::int,
                   array_agg(u.p ORDER BY u.ord)
            FROM unnest(${ids}::text[]) WITH ORDINALITY AS u(p, ord)
            GROUP BY 2`.execute(trx);
        return row.id;
      };
      return db.isTransaction ? work(db) : db.transaction().execute(work);
    },

    /**
     * What the audit views need to label a page's targets in Japanese
     * (domain/audit/targets.ts): rule version labels, run dates and imports'
     * files. One statement per kind named on the page, by primary key.
     */
    async targetFacts(
      municipalityId: number,
      ids: {
        ruleVersions: readonly string[];
        scoreRuns: readonly number[];
        linkRuns: readonly number[];
        imports: readonly number[];
      },
    ) {
      const versionIds = ids.ruleVersions.filter((v) => /^\d{1,15}$/.test(v)).map(Number);
      const [versions, scoreRuns, linkRuns, imports] = await Promise.all([
        versionIds.length === 0
          ? []
          : db
              .selectFrom("rule_version")
              .select(["id", "label"])
              .where("municipality_id", "=", municipalityId)
              .where("id", "in", versionIds)
              .execute(),
        ids.scoreRuns.length === 0
          ? []
          : db
              .selectFrom("score_run")
              .select([
                "id",
                "rule_version_id",
                sql<string>`to_char(as_of, 'YYYY-MM-DD')`.as("as_of"),
              ])
              .where("municipality_id", "=", municipalityId)
              .where("id", "in", [...ids.scoreRuns])
              .execute(),
        ids.linkRuns.length === 0
          ? []
          : db
              .selectFrom("link_run")
              .select(["id", sql<string>`to_char(as_of, 'YYYY-MM-DD')`.as("as_of")])
              .where("municipality_id", "=", municipalityId)
              .where("id", "in", [...ids.linkRuns])
              .execute(),
        ids.imports.length === 0
          ? []
          : db
              .selectFrom("import_snapshot")
              .select([
                "id",
                "source_id",
                "file_name",
                sql<string | null>`to_char(as_of, 'YYYY-MM-DD')`.as("as_of"),
              ])
              .where("municipality_id", "=", municipalityId)
              .where("id", "in", [...ids.imports])
              .execute(),
      ]);
      // The rules a score run used, when not already on the page.
      const labels = new Map(versions.map((v) => [v.id, v.label]));
      const missing = [...new Set(scoreRuns.map((r) => r.rule_version_id))].filter(
        (id) => !labels.has(id),
      );
      if (missing.length > 0) {
        const more = await db
          .selectFrom("rule_version")
          .select(["id", "label"])
          .where("municipality_id", "=", municipalityId)
          .where("id", "in", missing)
          .execute();
        for (const v of more) labels.set(v.id, v.label);
      }
      return {
        ruleVersions: new Map(versions.map((v) => [String(v.id), v.label])),
        scoreRuns: new Map(
          scoreRuns.map((r) => [
            r.id,
            {
              asOf: r.as_of,
              ruleLabel: labels.get(r.rule_version_id) ?? String(r.rule_version_id),
            },
          ]),
        ),
        linkRuns: new Map(linkRuns.map((r) => [r.id, { asOf: r.as_of }])),
        imports: new Map(
          imports.map((r) => [
            r.id,
            { sourceId: r.source_id, fileName: r.file_name, asOf: r.as_of },
          ]),
        ),
      };
    },

    /**
     * The names of persons as the municipality's newest completed link run
     * holds them (a person no longer in it — purged, or from an older run —
     * has none). For the audit views' 対象 column; masked by the route.
     */
    async personNames(
      municipalityId: number,
      personIds: readonly string[],
    ): Promise<Map<string, string>> {
      if (personIds.length === 0) return new Map();
      const run = await db
        .selectFrom("link_run")
        .select("id")
        .where("municipality_id", "=", municipalityId)
        .where("completed_at", "is not", null)
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      if (!run) return new Map();
      const rows = await db
        .selectFrom("link_person")
        .select(["person_id", "name"])
        .where("municipality_id", "=", municipalityId)
        .where("run_id", "=", run.id)
        .where("person_id", "in", [...new Set(personIds)])
        .execute();
      return new Map(rows.flatMap((r) => (r.name ? [[r.person_id, r.name] as const] : [])));
    },

    /** The persons an export's audit row disclosed (sorted), or [] for another row. */
    async disclosedPersons(municipalityId: number, auditId: string): Promise<string[]> {
      const rows = await db
        .selectFrom("audit_disclosure")
        .select("persons")
        .where("municipality_id", "=", municipalityId)
        .where("audit_id", "=", auditId)
        .orderBy("chunk")
        .execute();
      return rows.flatMap((r) => r.persons);
    },

    /**
     * A page of one municipality's audit log, newest first. Rows without a
     * municipality (login attempts with an unknown name) belong to no
     * municipality and are never listed here: a municipality's administrator
     * must not read another town's failed logins.
     */
    async list(options: {
      municipalityId: number;
      limit: number;
      beforeId?: string;
      action?: string;
      /** Only rows about this person ("who looked at this child"). */
      personId?: string;
      /** Only rows by this user. */
      actorUserId?: number;
      /** Only rows at or after / before these times. */
      since?: Date;
      until?: Date;
    }): Promise<AuditRecord[]> {
      let q = db
        .selectFrom("audit_log")
        .select(recordColumns)
        .where("municipality_id", "=", options.municipalityId)
        .where(councilAuditRowVisible)
        .orderBy("id", "desc")
        .limit(options.limit);
      if (options.beforeId) q = q.where("id", "<", options.beforeId);
      if (options.action) q = q.where("action", "=", options.action);
      if (options.personId) q = q.where("person_id", "=", options.personId);
      if (options.actorUserId !== undefined) q = q.where("actor_user_id", "=", options.actorUserId);
      if (options.since) q = q.where("at", ">=", options.since);
      if (options.until) q = q.where("at", "<", options.until);
      return (await q.execute()).map(toRecord);
    },

    /**
     * "Who looked at this child" (issue 12): rows that showed `personId`.
     * direct — the person's own view, a case, a correction, 開示… (person_id)
     * and a household view listing the person; listed — the person appeared in
     * a list, search, agenda or review list (`detail.persons`, GIN index of
     * migration 0086) or in an export's file (audit_disclosure, GIN index of
     * migration 0078; `how` = exported); all — both. Newest first,
     * keyset-paged, with the council filter like every read of the log.
     */
    async personReport(options: {
      municipalityId: number;
      personId: string;
      mode: PersonReportMode;
      limit: number;
      beforeId?: string | undefined;
      since?: Date | undefined;
      until?: Date | undefined;
    }): Promise<PersonReportRow[]> {
      const paged = sql<boolean>`(audit_log.detail->'persons') @> ${JSON.stringify([options.personId])}::jsonb`;
      // An initplan array: `id = ANY(…)` stays an index condition, so the OR
      // below is a BitmapOr of the person, persons and primary key indexes.
      // A member's export links to the child for members only (DisclosedSummary.council;
      // fail closed when the mark is missing).
      const exported = sql<boolean>`(audit_log.id = ANY(ARRAY(
        SELECT d.audit_id FROM audit_disclosure d
        WHERE d.municipality_id = ${options.municipalityId}
          AND d.persons @> ARRAY[${options.personId}]::text[]))
        AND (mimamori_scope_council()
             OR coalesce(audit_log.detail->'disclosed'->>'council', 'true') = 'false'))`;
      // A member's list view links to the child for members only (withListScope).
      const pagedVisible = sql<boolean>`(${paged} AND ${listedPersonsVisible})`;
      const listed = sql<boolean>`(${pagedVisible} OR ${exported})`;
      const direct = sql<boolean>`(audit_log.person_id = ${options.personId}
        OR (audit_log.action IN (${sql.join(DIRECT_LIST_ACTIONS)}) AND ${paged}))`;
      const how = sql<PersonReportHow>`CASE WHEN ${direct} THEN 'direct'
        WHEN ${pagedVisible} THEN 'listed' ELSE 'exported' END`;
      let q = db
        .selectFrom("audit_log")
        .select([...recordColumns, how.as("how")])
        .where("municipality_id", "=", options.municipalityId)
        .where(councilAuditRowVisible)
        .orderBy("id", "desc")
        .limit(options.limit);
      if (options.mode === "direct") q = q.where(direct);
      else if (options.mode === "listed")
        q = q.where(sql<boolean>`(${listed} AND NOT coalesce(${direct}, false))`);
      else
        q = q.where(
          sql<boolean>`(audit_log.person_id = ${options.personId} OR ${pagedVisible} OR ${exported})`,
        );
      if (options.beforeId) q = q.where("id", "<", options.beforeId);
      if (options.since) q = q.where("at", ">=", options.since);
      if (options.until) q = q.where("at", "<", options.until);
      return (await q.execute()).map((r) => ({ ...toRecord(r), how: r.how }));
    },

    /** One row of a municipality's log (the audit view's detail), or undefined. */
    async find(municipalityId: number, id: string): Promise<AuditRecord | undefined> {
      const r = await db
        .selectFrom("audit_log")
        .select(recordColumns)
        .where("municipality_id", "=", municipalityId)
        .where("id", "=", id)
        .where(councilAuditRowVisible)
        .executeTakeFirst();
      return r ? toRecord(r) : undefined;
    },

    /**
     * Checks the hash chain. Incremental by default: it starts from the newest
     * verified checkpoint (after checking that the checkpoint's row still has
     * the hash it had), recomputes only the rows after it, and records a new
     * checkpoint at the tail. `full` recomputes every row from the start and
     * checks every stored checkpoint — an edit of a row behind the newest
     * checkpoint that left its stored hash alone is only found this way.
     */
    async verifyChain(options: { full?: boolean } = {}): Promise<ChainStatus> {
      const checkpoints = await db
        .selectFrom("audit_checkpoint")
        .select(["last_id", "hash", "rows_covered", "disclosure_seq", "disclosure_xmin"])
        .orderBy("id", "desc")
        .limit(options.full ? 10_000 : 1)
        .execute();
      const latest = checkpoints[0];
      if (!options.full && latest) {
        const anchor = { id: latest.last_id, hash: latest.hash.toString("hex") };
        const broken = await repo.firstMismatchedAnchor([anchor]);
        if (broken) {
          return {
            ok: false,
            rows: 0,
            checkedNow: 0,
            firstBadId: broken,
            problem: "anchor",
            tail: null,
          };
        }
      }
      const start =
        !options.full && latest ? { id: latest.last_id, hash: latest.hash.toString("hex") } : null;
      const result = await verifyFrom(
        start,
        !options.full && latest ? Number(latest.rows_covered) : 0,
      );
      if (!result.ok) return result;
      // The persons of every export in the rows just checked, and of every export
      // that got a chunk the last check could not see (the app role may INSERT
      // chunks): numbered after it, or written by a transaction still running
      // when it read them (0089: a chunk numbered before a check but committed
      // after it).
      const incremental = !options.full && latest !== undefined;
      const fromSeq = incremental ? latest.disclosure_seq : "0";
      const fromXmin = incremental ? latest.disclosure_xmin : null;
      const d = await sql<{
        checked: string;
        first_bad: string | null;
        max_seq: string | null;
        xmin: string;
      }>`
        SELECT checked::text, first_bad::text, max_seq::text, xmin::text
        FROM audit_disclosure_verify(${start?.id ?? "0"}::bigint,
          ${result.tail?.id ?? start?.id ?? "0"}::bigint, ${fromSeq}::bigint,
          ${fromXmin}::xid8)`.execute(db);
      const disclosures = d.rows[0];
      const disclosuresCheckedNow = Number(disclosures?.checked ?? 0);
      if (disclosures?.first_bad) {
        return {
          ...result,
          ok: false,
          firstBadId: disclosures.first_bad,
          problem: "disclosure",
          disclosuresCheckedNow,
        };
      }
      const disclosureSeq =
        disclosures?.max_seq && BigInt(disclosures.max_seq) > BigInt(fromSeq)
          ? disclosures.max_seq
          : fromSeq;
      if (options.full && checkpoints.length > 0) {
        const broken = await repo.firstMismatchedAnchor(
          checkpoints.map((c) => ({ id: c.last_id, hash: c.hash.toString("hex") })),
        );
        if (broken) return { ...result, ok: false, firstBadId: broken, problem: "anchor" };
      }
      if (result.tail && result.tail.id !== latest?.last_id) {
        await db
          .insertInto("audit_checkpoint")
          .values({
            last_id: result.tail.id,
            hash: Buffer.from(result.tail.hash, "hex"),
            rows_covered: String(result.rows),
            full_check: options.full ?? false,
            disclosure_seq: disclosureSeq,
            disclosure_xmin: disclosures?.xmin ?? null,
          })
          .execute();
      }
      return { ...result, disclosuresCheckedNow };
    },

    /**
     * The first anchor (lowest id) whose row is gone or has another hash now —
     * a truncated tail, a deleted row or a chain rebuilt after an edit — or
     * null when all still match.
     */
    async firstMismatchedAnchor(anchors: readonly ChainAnchor[]): Promise<string | null> {
      if (anchors.length === 0) return null;
      const r = await sql<{ id: string }>`
        SELECT x.id::text AS id
        FROM unnest(${anchors.map((a) => a.id)}::bigint[], ${anchors.map((a) => Buffer.from(a.hash, "hex"))}::bytea[]) AS x(id, hash)
        WHERE audit_log_hash_at(x.id) IS DISTINCT FROM x.hash
        ORDER BY x.id LIMIT 1`.execute(db);
      return r.rows[0]?.id ?? null;
    },

    /** The newest row's id and hash, or null for an empty log. */
    async tail(): Promise<ChainAnchor | null> {
      const r = await sql<{ id: string; hash: Buffer }>`
        SELECT id::text AS id, hash FROM audit_log_tail()`.execute(db);
      const row = r.rows[0];
      return row ? { id: row.id, hash: row.hash.toString("hex") } : null;
    },
  };
  return repo;
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;

/** The audit_log row of an entry (prev_hash, hash, id and at are set by the chain trigger). */
const rowOf = (e: AuditEntry) => ({
  municipality_id: e.municipalityId,
  actor_user_id: e.actorUserId,
  actor: e.actor,
  action: e.action,
  target: e.target ?? null,
  detail: JSON.stringify(e.detail ?? {}),
  client_address: e.clientAddress ?? null,
  person_id: e.personId ?? null,
  purpose: e.purpose ?? null,
});

/** One INSERT of `entries` in their order. */
async function insertRows(db: Database, entries: readonly AuditEntry[]): Promise<void> {
  await db.insertInto("audit_log").values(entries.map(rowOf)).execute();
}

/** Rows per INSERT of the group-commit writer (bounds one statement's size). */
const BATCH_MAX = 500;

interface Pending {
  entry: AuditEntry;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** The rows waiting for one data scope, and how to enter that scope again. */
interface ScopeQueue {
  enter: <T>(fn: () => T) => T;
  items: Pending[];
}

/**
 * Group commit for the audit chain (issue 11 benchmark). The chain trigger
 * (migrations 0001, 0090) serialises every append on one advisory lock until
 * its transaction commits, so with one transaction per audited request, 50
 * concurrent requests queued on that lock one commit at a time. Here ONE
 * writer per database appends: a request's row joins the queue, the writer
 * inserts everything queued in one statement (one transaction, one commit,
 * rows chained in arrival order by the same trigger) and then resolves every
 * row's promise. The guarantee is unchanged: `append` resolves only after the
 * row's commit, so no request answers before its audit row is durable, and a
 * failed append still fails its request. Rows are written in the data scope
 * their request ran in (row-level security checks them exactly as before);
 * one batch holds one scope. If a batch fails, its rows are retried one by
 * one so that only the row at fault fails.
 */
class AuditWriter {
  private readonly queues = new Map<string, ScopeQueue>();
  /** True while the writer loop runs; set and cleared synchronously with the queue check. */
  private active = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly db: Database) {}

  append(entry: AuditEntry): Promise<void> {
    const owner = runsAsOwner();
    const scope = owner ? undefined : currentDataScope();
    const key = owner ? "owner" : scope ? JSON.stringify(scope) : "none";
    let q = this.queues.get(key);
    if (!q) {
      q = {
        enter: owner
          ? runAsOwner
          : scope
            ? <T>(fn: () => T) => withDataScope(scope, fn)
            : withoutDataScope,
        items: [],
      };
      this.queues.set(key, q);
    }
    const done = new Promise<void>((resolve, reject) => {
      q.items.push({ entry, resolve, reject });
    });
    if (!this.active) {
      this.active = true;
      // The writer loop must not inherit the first caller's scope: each batch enters its own.
      this.running = withoutDataScope(() => this.drain());
    }
    return done;
  }

  /** Resolves when every row queued so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.active) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const next = [...this.queues.entries()].find(([, q]) => q.items.length > 0);
        // No await between this check and clearing `active` (finally): a row
        // appended after it starts a new loop instead of waiting in the queue.
        if (!next) return;
        const [key, q] = next;
        const batch = q.items.splice(0, BATCH_MAX);
        if (q.items.length === 0) this.queues.delete(key);
        await q.enter(() => this.write(batch));
      }
    } finally {
      this.active = false;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      await insertRows(
        this.db,
        batch.map((p) => p.entry),
      );
      for (const p of batch) p.resolve();
      return;
    } catch (e) {
      if (batch.length === 1) {
        batch[0]?.reject(e);
        return;
      }
    }
    for (const p of batch) {
      try {
        await insertRows(this.db, [p.entry]);
        p.resolve();
      } catch (e) {
        p.reject(e);
      }
    }
  }
}

const writers = new WeakMap<Database, AuditWriter>();

function writerFor(db: Database): AuditWriter {
  let w = writers.get(db);
  if (!w) {
    w = new AuditWriter(db);
    writers.set(db, w);
  }
  return w;
}

/**
 * Waits until every audit row appended through `db` so far is committed.
 * Called before the database is closed (database.ts), so that a shutdown
 * never drops a queued row.
 */
export async function flushAuditWriter(db: Database): Promise<void> {
  await writers.get(db)?.flush();
}
