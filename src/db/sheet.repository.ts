/**
 * 情報収集シート (issue 13, wf-sheets): templates, requests, answers. Every read
 * takes the reader's `DataScope`:
 * - coordinators (`children: all`) see every request of the municipality;
 * - staff (`assigned`) the requests about children they may see, and those they sent;
 * - 所属 accounts (`requests`) only the requests addressed to their affiliation,
 *   never withdrawn ones, and of each only what its sharing mode shares
 *   (the stored `shared` snapshot; the service never adds to it);
 * - everyone else nothing.
 *
 * `childrenOfRequests` is this feature's branch of `casesOfReader`
 * (child-access.ts): the children named in OPEN (sent, not yet answered or
 * withdrawn) requests to the reader's affiliation.
 */
import { type RawBuilder, sql } from "kysely";
import type { DataScope } from "../domain/policy/index.ts";
import type { Answers, SharedResult, StoredStatus } from "../domain/sheets/requests.ts";
import type { Question, SheetTemplate, TemplateKey } from "../domain/sheets/templates.ts";
import { childAccess, currentAffiliationIs } from "./child-access.ts";
import type { Database } from "./database.ts";

/**
 * The `requests` branch of casesOfReader: true when `personId` is named in an
 * open request to the reader's affiliation. Without an affiliation, nobody.
 */
export function childrenOfRequests(
  scope: DataScope,
  personId: RawBuilder<string>,
): RawBuilder<boolean> {
  if (!scope.affiliation) return sql<boolean>`false`;
  return sql<boolean>`EXISTS (
    SELECT 1 FROM sheet_request sq
     WHERE sq.municipality_id = ${scope.municipalityId}
       AND sq.recipient = ${scope.affiliation}
       AND sq.status = 'sent'
       AND sq.person_id = ${personId})`;
}

export interface SheetRequestRow {
  readonly id: number;
  readonly personId: string;
  readonly childName: string | null;
  readonly recipient: string;
  readonly recipientKind: string;
  readonly difficulties: readonly string[];
  readonly mode: "a" | "b" | "c";
  readonly shared: SharedResult;
  readonly questions: readonly Question[];
  readonly dueDate: string;
  readonly status: StoredStatus;
  readonly batchId: string | null;
  readonly note: string | null;
  readonly scoreRunId: number | null;
  readonly sentBy: number;
  readonly sentByName: string;
  readonly sentAt: string;
  readonly answers: Answers | null;
  readonly answeredByName: string | null;
  readonly answeredAt: string | null;
  readonly withdrawnAt: string | null;
  readonly withdrawReason: string | null;
}

export interface NewRequest {
  readonly personId: string;
  readonly childName: string | null;
  readonly recipient: string;
  readonly recipientKind: string;
  readonly difficulties: readonly string[];
  readonly mode: "a" | "b" | "c";
  readonly shared: SharedResult;
  readonly questions: readonly Question[];
  readonly dueDate: string;
  readonly batchId: string | null;
  readonly note: string | null;
  readonly scoreRunId: number | null;
}

export interface RequestFilter {
  readonly status?: "sent" | "overdue" | "answered" | "withdrawn" | "open";
  readonly personId?: string;
  readonly recipient?: string;
  readonly limit: number;
  readonly offset: number;
}

interface Db {
  id: number;
  person_id: string;
  child_name: string | null;
  recipient: string;
  recipient_kind: string;
  difficulties: string[];
  mode: "a" | "b" | "c";
  shared: SharedResult;
  questions: Question[];
  due_date: string;
  status: StoredStatus;
  batch_id: string | null;
  note: string | null;
  score_run_id: number | null;
  sent_by: number;
  sent_by_name: string;
  sent_at: string;
  answers: Answers | null;
  answered_by_name: string | null;
  answered_at: string | null;
  withdrawn_at: string | null;
  withdraw_reason: string | null;
}

const COLUMNS = sql`r.id, r.person_id, r.child_name, r.recipient, r.recipient_kind, r.difficulties,
  r.mode, r.shared, r.questions, to_char(r.due_date, 'YYYY-MM-DD') AS due_date, r.status, r.batch_id,
  r.note, r.score_run_id, r.sent_by, r.sent_by_name, to_char(r.sent_at, 'YYYY-MM-DD"T"HH24:MI:SSOF') AS sent_at,
  r.answers, r.answered_by_name, to_char(r.answered_at, 'YYYY-MM-DD"T"HH24:MI:SSOF') AS answered_at,
  to_char(r.withdrawn_at, 'YYYY-MM-DD"T"HH24:MI:SSOF') AS withdrawn_at, r.withdraw_reason`;

function row(r: Db): SheetRequestRow {
  return {
    id: r.id,
    personId: r.person_id,
    childName: r.child_name,
    recipient: r.recipient,
    recipientKind: r.recipient_kind,
    difficulties: r.difficulties,
    mode: r.mode,
    shared: r.shared,
    questions: r.questions,
    dueDate: r.due_date,
    status: r.status,
    batchId: r.batch_id,
    note: r.note,
    scoreRunId: r.score_run_id,
    sentBy: r.sent_by,
    sentByName: r.sent_by_name,
    sentAt: r.sent_at,
    answers: r.answers,
    answeredByName: r.answered_by_name,
    answeredAt: r.answered_at,
    withdrawnAt: r.withdrawn_at,
    withdrawReason: r.withdraw_reason,
  };
}

export function createSheetRepository(db: Database) {
  /**
   * Which requests the reader may see. `linkRunId` is the latest completed
   * linkage run (staff see the requests about children they may see in it).
   */
  const visible = (scope: DataScope, linkRunId: number | null): RawBuilder<boolean> => {
    switch (scope.children) {
      case "all":
        return sql<boolean>`true`;
      case "assigned":
        return linkRunId === null
          ? sql<boolean>`r.sent_by = ${scope.userId}`
          : sql<boolean>`(r.sent_by = ${scope.userId} OR ${childAccess(scope, linkRunId, sql`r.person_id`)})`;
      case "requests":
        return scope.affiliation
          ? sql<boolean>`(r.recipient = ${scope.affiliation} AND r.status <> 'withdrawn')`
          : sql<boolean>`false`;
      case "none":
        return sql<boolean>`false`;
    }
  };

  const statusFilter = (status: RequestFilter["status"], today: string): RawBuilder<boolean> => {
    switch (status) {
      case undefined:
        return sql<boolean>`true`;
      case "open":
        return sql<boolean>`r.status = 'sent'`;
      case "overdue":
        return sql<boolean>`(r.status = 'sent' AND r.due_date < ${today}::date)`;
      case "sent":
        return sql<boolean>`(r.status = 'sent' AND r.due_date >= ${today}::date)`;
      default:
        return sql<boolean>`r.status = ${status}`;
    }
  };

  return {
    /** The municipality's stored (edited) templates. */
    async templates(scope: DataScope): Promise<Map<string, SheetTemplate>> {
      const rows = await db
        .selectFrom("sheet_template")
        .select(["key", "title", "questions"])
        .where("municipality_id", "=", scope.municipalityId)
        .execute();
      return new Map(
        rows.map((r) => [
          r.key,
          { key: r.key as TemplateKey, title: r.title, questions: r.questions as Question[] },
        ]),
      );
    },

    async saveTemplate(scope: DataScope, t: SheetTemplate): Promise<void> {
      await db
        .insertInto("sheet_template")
        .values({
          municipality_id: scope.municipalityId,
          key: t.key,
          title: t.title,
          questions: JSON.stringify(t.questions),
          updated_by: scope.userId,
        })
        .onConflict((oc) =>
          oc.columns(["municipality_id", "key"]).doUpdateSet({
            title: t.title,
            questions: JSON.stringify(t.questions),
            updated_by: scope.userId,
            updated_at: sql`now()`,
          }),
        )
        .execute();
    },

    /** Back to the built-in template. */
    async resetTemplate(scope: DataScope, key: TemplateKey): Promise<void> {
      await db
        .deleteFrom("sheet_template")
        .where("municipality_id", "=", scope.municipalityId)
        .where("key", "=", key)
        .execute();
    },

    /** Inserts requests (one, or one school's round) in one statement; ids in input order. */
    async insert(
      scope: DataScope,
      sender: { userId: number; name: string },
      requests: readonly NewRequest[],
    ): Promise<number[]> {
      if (requests.length === 0) return [];
      const rows = await db
        .insertInto("sheet_request")
        .values(
          requests.map((r) => ({
            municipality_id: scope.municipalityId,
            person_id: r.personId,
            child_name: r.childName,
            recipient: r.recipient,
            recipient_kind: r.recipientKind,
            difficulties: [...r.difficulties],
            mode: r.mode,
            shared: JSON.stringify(r.shared),
            questions: JSON.stringify(r.questions),
            due_date: r.dueDate,
            batch_id: r.batchId,
            note: r.note,
            score_run_id: r.scoreRunId,
            sent_by: sender.userId,
            sent_by_name: sender.name,
          })),
        )
        .returning("id")
        .execute();
      return rows.map((r) => r.id);
    },

    async list(
      scope: DataScope,
      linkRunId: number | null,
      filter: RequestFilter,
      today: string,
    ): Promise<{ total: number; rows: SheetRequestRow[] }> {
      const where = sql`r.municipality_id = ${scope.municipalityId}
        AND ${visible(scope, linkRunId)}
        AND ${statusFilter(filter.status, today)}
        AND ${filter.personId === undefined ? sql`true` : sql`r.person_id = ${filter.personId}`}
        AND ${filter.recipient === undefined ? sql`true` : sql`r.recipient = ${filter.recipient}`}`;
      const [count, rows] = await Promise.all([
        sql<{ n: number }>`SELECT count(*)::int AS n FROM sheet_request r WHERE ${where}`.execute(
          db,
        ),
        sql<Db>`SELECT ${COLUMNS} FROM sheet_request r WHERE ${where}
          ORDER BY (r.status = 'sent') DESC, r.due_date, r.id
          LIMIT ${filter.limit} OFFSET ${filter.offset}`.execute(db),
      ]);
      return { total: count.rows[0]?.n ?? 0, rows: rows.rows.map(row) };
    },

    /**
     * `list` for several persons at once (the conference screen): up to
     * `perPerson` rows of each, in `list`'s order, by person. One query.
     */
    async listForPersons(
      scope: DataScope,
      linkRunId: number | null,
      personIds: readonly string[],
      perPerson: number,
      today: string,
    ): Promise<Map<string, SheetRequestRow[]>> {
      const out = new Map<string, SheetRequestRow[]>();
      if (personIds.length === 0) return out;
      const r = await sql<Db>`
        SELECT * FROM (
          SELECT ${COLUMNS},
                 row_number() OVER (PARTITION BY r.person_id
                   ORDER BY (r.status = 'sent') DESC, r.due_date, r.id) AS nth
            FROM sheet_request r
           WHERE r.municipality_id = ${scope.municipalityId}
             AND ${visible(scope, linkRunId)}
             AND ${statusFilter(undefined, today)}
             AND r.person_id = ANY(${[...personIds]}::text[])
        ) x WHERE x.nth <= ${perPerson}
        ORDER BY x.person_id, x.nth`.execute(db);
      for (const x of r.rows) {
        let list = out.get(x.person_id);
        if (!list) {
          list = [];
          out.set(x.person_id, list);
        }
        list.push(row(x));
      }
      return out;
    },

    async find(
      scope: DataScope,
      linkRunId: number | null,
      id: number,
    ): Promise<SheetRequestRow | undefined> {
      const r = await sql<Db>`SELECT ${COLUMNS} FROM sheet_request r
        WHERE r.id = ${id} AND r.municipality_id = ${scope.municipalityId}
          AND ${visible(scope, linkRunId)}`.execute(db);
      return r.rows[0] ? row(r.rows[0]) : undefined;
    },

    /** The open requests about `personId` to the reader's affiliation (its child page). */
    async openForAffiliation(scope: DataScope, personId: string): Promise<SheetRequestRow[]> {
      if (scope.children !== "requests" || !scope.affiliation) return [];
      const r = await sql<Db>`SELECT ${COLUMNS} FROM sheet_request r
        WHERE r.municipality_id = ${scope.municipalityId} AND r.recipient = ${scope.affiliation}
          AND r.status = 'sent' AND r.person_id = ${personId}
        ORDER BY r.id`.execute(db);
      return r.rows.map(row);
    },

    /** Stores the answer of a sent request addressed to the reader's affiliation; false when not. */
    async answer(
      scope: DataScope,
      id: number,
      answers: Answers,
      by: { userId: number; name: string },
    ): Promise<boolean> {
      if (!scope.affiliation) return false;
      const r = await db
        .updateTable("sheet_request")
        .set({
          status: "answered",
          answers: JSON.stringify(answers),
          answered_by: by.userId,
          answered_by_name: by.name,
          answered_at: sql`now()`,
        })
        .where("id", "=", id)
        .where("municipality_id", "=", scope.municipalityId)
        .where("recipient", "=", scope.affiliation)
        .where("status", "=", "sent")
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Withdraws a sent request (the recipient no longer sees it); false when not sent. */
    async withdraw(scope: DataScope, id: number, reason: string): Promise<boolean> {
      const r = await db
        .updateTable("sheet_request")
        .set({
          status: "withdrawn",
          withdrawn_by: scope.userId,
          withdrawn_at: sql`now()`,
          withdraw_reason: reason,
        })
        .where("id", "=", id)
        .where("municipality_id", "=", scope.municipalityId)
        .where("status", "=", "sent")
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /**
     * Overdue requests not reminded today, marked reminded in the same
     * statement (so two readers never remind twice).
     */
    async takeOverdueToRemind(
      scope: DataScope,
      today: string,
    ): Promise<
      { id: number; recipient: string; sentBy: number; dueDate: string; childName: string | null }[]
    > {
      const r = await sql<{
        id: number;
        recipient: string;
        sent_by: number;
        due_date: string;
        child_name: string | null;
      }>`UPDATE sheet_request SET reminded_on = ${today}::date
          WHERE municipality_id = ${scope.municipalityId} AND status = 'sent'
            AND due_date < ${today}::date
            AND (reminded_on IS NULL OR reminded_on < ${today}::date)
        RETURNING id, recipient, sent_by, to_char(due_date, 'YYYY-MM-DD') AS due_date, child_name`.execute(
        db,
      );
      return r.rows.map((x) => ({
        id: x.id,
        recipient: x.recipient,
        sentBy: x.sent_by,
        dueDate: x.due_date,
        childName: x.child_name,
      }));
    },

    /**
     * The current school or nursery of each person in the linkage run (the
     * latest 学齢簿 学校名 / 保育所在籍 施設名 row, as child-access.ts reads it).
     */
    async childPlaces(
      scope: DataScope,
      linkRunId: number,
      personIds: readonly string[],
    ): Promise<Map<string, { place: string; kind: "school" | "nursery" }>> {
      if (personIds.length === 0) return new Map();
      const r = await sql<{ person_id: string; source_id: string; place: string | null }>`
        SELECT DISTINCT ON (lr.person_id) lr.person_id, lr.source_id,
               CASE lr.source_id WHEN 'gakureibo' THEN ir.data->>'学校名' ELSE ir.data->>'施設名' END AS place
          FROM link_record lr
          JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
         WHERE lr.run_id = ${linkRunId} AND lr.municipality_id = ${scope.municipalityId}
           AND lr.person_id IN (${sql.join(personIds.map((p) => sql`${p}`))})
           AND lr.source_id IN ('gakureibo', 'hoiku_zaiseki')
         ORDER BY lr.person_id, ir.as_of DESC NULLS LAST, lr.snapshot_id DESC, lr.row_no DESC`.execute(
        db,
      );
      const out = new Map<string, { place: string; kind: "school" | "nursery" }>();
      for (const x of r.rows)
        if (x.place)
          out.set(x.person_id, {
            place: x.place,
            kind: x.source_id === "gakureibo" ? "school" : "nursery",
          });
      return out;
    },

    /** Children of the run currently at `place` (school or nursery) that are flagged in the scoring run. */
    async flaggedAt(
      scope: DataScope,
      run: { linkRunId: number; scoreRunId: number },
      place: string,
    ): Promise<string[]> {
      const r = await sql<{ person_id: string }>`
        SELECT DISTINCT sr.person_id FROM score_result sr
         WHERE sr.run_id = ${run.scoreRunId} AND sr.municipality_id = ${scope.municipalityId} AND sr.flagged
           AND ${currentAffiliationIs(place, run.linkRunId, sql`sr.person_id`)}
           AND ${childAccess(scope, run.linkRunId, sql`sr.person_id`)}
         ORDER BY sr.person_id`.execute(db);
      return r.rows.map((x) => x.person_id);
    },

    /**
     * The children of 候補リスト `listId` not yet decided (case listed,
     * gathering or on an agenda) who are now at `place` and visible to the
     * reader: the 'whole 候補リスト' round to one school.
     */
    async listedAt(
      scope: DataScope,
      linkRunId: number,
      listId: number,
      place: string,
    ): Promise<string[]> {
      const r = await sql<{ person_id: string }>`
        SELECT DISTINCT e.person_id FROM review_list_entry e
          JOIN child_case cc ON cc.municipality_id = e.municipality_id AND cc.id = e.case_id
         WHERE e.list_id = ${listId} AND e.municipality_id = ${scope.municipalityId}
           AND cc.state IN ('listed', 'gathering', 'on_agenda')
           AND ${currentAffiliationIs(place, linkRunId, sql`e.person_id`)}
           AND ${childAccess(scope, linkRunId, sql`e.person_id`)}
         ORDER BY e.person_id`.execute(db);
      return r.rows.map((x) => x.person_id);
    },

    /** Moves a sent request's due date (the demo's overdue sheet; a sender's correction). */
    async setDueDate(scope: DataScope, id: number, dueDate: string): Promise<void> {
      await db
        .updateTable("sheet_request")
        .set({ due_date: dueDate })
        .where("id", "=", id)
        .where("municipality_id", "=", scope.municipalityId)
        .where("status", "=", "sent")
        .execute();
    },

    /** Active accounts of an affiliation (the recipients of its requests). */
    async affiliationUsers(scope: DataScope, affiliation: string): Promise<number[]> {
      const rows = await db
        .selectFrom("app_user")
        .select("id")
        .where("municipality_id", "=", scope.municipalityId)
        .where("affiliation", "=", affiliation)
        .where("disabled", "=", false)
        .where(sql<boolean>`'affiliation' = ANY(roles)`)
        .execute();
      return rows.map((r) => r.id);
    },

    /** Affiliations that have at least one active 所属 account (choices for the recipient). */
    async affiliations(scope: DataScope): Promise<string[]> {
      const rows = await db
        .selectFrom("app_user")
        .select("affiliation")
        .distinct()
        .where("municipality_id", "=", scope.municipalityId)
        .where("affiliation", "is not", null)
        .where("disabled", "=", false)
        .where(sql<boolean>`'affiliation' = ANY(roles)`)
        .orderBy("affiliation")
        .execute();
      return rows.map((r) => r.affiliation as string);
    },
  };
}
