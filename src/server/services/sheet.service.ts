/**
 * 情報収集シート (issue 13, wf-sheets): sending requests (one child, or one
 * school's round), the recipient's inbox and answer, withdrawal, templates,
 * overdue reminders and the notifications each step leaves.
 *
 * Sharing modes are enforced here and in the repository, never by the web app:
 * - what a request shares is computed once, when it is sent, from a
 *   NON-MEMBER view of the child's scores (a recipient is never told a 要対協
 *   fact, items B01/B02 nor a score that counts them), and cut to the mode
 *   (domain/sheets/requests.ts sharedResult) before it is stored;
 * - the recipient's shape (`inboxItem`) carries that snapshot, the questions and
 *   the answers — not the difficulty types in mode (c), not the mode's inputs;
 * - the child view of a 所属 account (`sharedChildView`) is built from the open
 *   requests' snapshots only: no records, history, household or live score.
 */
import { randomUUID } from "node:crypto";
import { createAuditRepository } from "../../db/audit.repository.ts";
import { createCaseRepository } from "../../db/case.repository.ts";
import { feedCacheOf } from "../../db/change-bus.ts";
import { type ChildRun, createChildRepository } from "../../db/child.repository.ts";
import type { Database } from "../../db/database.ts";
import { createNotificationRepository } from "../../db/notification.repository.ts";
import {
  createSheetRepository,
  type NewRequest,
  type RequestFilter,
  type SheetRequestRow,
} from "../../db/sheet.repository.ts";
import type { SharingMode } from "../../domain/cases/sharing.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { evidenceText } from "../../domain/items/evidence.ts";
import { type Actor, type DataScope, isCouncilOnlyItem } from "../../domain/policy/index.ts";
import { buildScoreWaterfalls } from "../../domain/scoring/child-view.ts";
import { DIFFICULTY_NAMES, type DifficultyId } from "../../domain/scoring/difficulties.ts";
import {
  type Answers,
  answerProblems,
  defaultDueDate,
  type RecipientKind,
  requestStatus,
  type SharedResult,
  sharedResult,
  type TypeResult,
} from "../../domain/sheets/requests.ts";
import {
  BUILT_IN_TEMPLATES,
  type Question,
  questionsFor,
  TEMPLATE_KEYS,
  TEMPLATE_LABELS,
  type TemplateKey,
  templateFor,
  templateProblems,
} from "../../domain/sheets/templates.ts";

/** Today in Japan (due dates and overdue are calendar dates there). */
export function todayInJapan(): string {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
}

export interface SendInput {
  readonly personId: string;
  /** The affiliation asked; default: the child's current school or nursery. */
  readonly recipient?: string | undefined;
  readonly recipientKind?: RecipientKind | undefined;
  readonly difficulties: readonly DifficultyId[];
  readonly mode: SharingMode;
  readonly dueDate?: string | undefined;
  readonly note?: string | undefined;
}

export interface BulkInput {
  readonly recipient: string;
  readonly recipientKind: RecipientKind;
  /** The chosen children; absent: every child now at the recipient flagged in the latest run. */
  readonly personIds?: readonly string[] | undefined;
  /** The 'whole 候補リスト' round: the list's undecided children now at the recipient. */
  readonly listId?: number | undefined;
  /** Types asked about; absent: each child's flagged types. */
  readonly difficulties?: readonly DifficultyId[] | undefined;
  readonly mode: SharingMode;
  readonly dueDate?: string | undefined;
  readonly note?: string | undefined;
}

/** The sender's (staff) shape of a request. */
export function staffItem(r: SheetRequestRow, today: string) {
  return {
    id: r.id,
    personId: r.personId,
    childName: r.childName,
    recipient: r.recipient,
    recipientKind: r.recipientKind,
    difficulties: [...r.difficulties],
    difficultyLabels: r.difficulties.map((d) => DIFFICULTY_NAMES[d as DifficultyId] ?? d),
    mode: r.mode,
    shared: r.shared,
    questions: [...r.questions],
    dueDate: r.dueDate,
    status: requestStatus(r.status, r.dueDate, today),
    batchId: r.batchId,
    note: r.note,
    sentByName: r.sentByName,
    sentAt: r.sentAt,
    answers: r.answers,
    answeredByName: r.answeredByName,
    answeredAt: r.answeredAt,
    withdrawnAt: r.withdrawnAt,
    withdrawReason: r.withdrawReason,
  };
}

/**
 * The recipient's shape: the child's name, what the mode shares (the stored
 * snapshot), the questions and the answers. Not the difficulty types chosen
 * (a mode-(c) request must not reveal them), not the score run.
 */
export function inboxItem(r: SheetRequestRow, today: string) {
  return {
    id: r.id,
    personId: r.personId,
    childName: r.childName,
    recipientKind: r.recipientKind,
    mode: r.mode,
    shared: r.shared,
    questions: [...r.questions],
    dueDate: r.dueDate,
    status: requestStatus(r.status, r.dueDate, today),
    note: r.note,
    sentByName: r.sentByName,
    sentAt: r.sentAt,
    answers: r.answers,
    answeredAt: r.answeredAt,
  };
}

/**
 * Passes of {@link createSheetService}'s `remindOverdue` that found nothing
 * left to remind, per municipality, 要対協 membership (row-level security's
 * view of sheet_request) and day. Until the day changes or a request changes
 * (topic `casework`, here or through NOTIFY, migration 0071), the same pass
 * would find nothing again: it picks requests overdue today and not yet
 * reminded today, and only a new day or a write to sheet_request adds one.
 * So お知らせ, read on every home page, skip the UPDATE. Not used while the
 * LISTEN connection is down (every request runs the pass, as before).
 */
function overduePassesOf(db: Database) {
  return feedCacheOf<true>(db, "overdue-pass", { topics: ["casework"], capacity: 1_000 });
}

export function createSheetService(db: Database) {
  const sheets = createSheetRepository(db);
  const children = createChildRepository(db);
  const notes = createNotificationRepository(db);
  const audit = createAuditRepository(db);

  /** One overdue pass: requests overdue today and not yet reminded today, reminded now. */
  async function remindOverdueNow(scope: DataScope, today: string): Promise<number> {
    const due = await sheets.takeOverdueToRemind(scope, today);
    for (const r of due) {
      const users = await sheets.affiliationUsers(scope, r.recipient);
      await notes.add(scope, [
        {
          userIds: users,
          kind: "sheet.overdue",
          text: `情報収集シートの回答期限（${r.dueDate}）を過ぎています。回答をお願いします。`,
          link: `/sheets/inbox/${r.id}`,
          requestId: r.id,
        },
        {
          userIds: [r.sentBy],
          kind: "sheet.overdue",
          text: `${r.recipient}への情報収集シート（期限 ${r.dueDate}）の回答がまだありません。`,
          link: `/sheets/requests/${r.id}`,
          requestId: r.id,
        },
      ]);
    }
    return due.length;
  }

  /** A non-member's view of the child's results for the chosen types (items without source rows). */
  async function resultsFor(
    scope: DataScope,
    run: ChildRun,
    personId: string,
    types: readonly string[],
  ): Promise<TypeResult[]> {
    const plain: DataScope = { ...scope, council: false };
    const [scores, items] = await Promise.all([
      children.scores(plain, run, personId),
      children.items(plain, run, [personId]),
    ]);
    const held = new Map(items.map((i) => [i.itemId, i.evidence]));
    const waterfalls = buildScoreWaterfalls(
      run.rules,
      scores,
      held,
      (id) => !isCouncilOnlyItem(id),
    );
    return waterfalls
      .filter((w) => types.includes(w.difficulty))
      .map((w) => ({
        difficulty: w.difficulty,
        label: w.label,
        flagged: w.flagged,
        score: w.score,
        threshold: w.threshold,
        items: w.items.map((i) => ({
          itemId: i.itemId,
          name: i.name,
          text: evidenceText(i.evidence, { forRecipient: true }),
        })),
      }));
  }

  async function latestRun(scope: DataScope): Promise<ChildRun> {
    const run = await children.latestRun(scope.municipalityId);
    if (!run)
      throw new MimamoriError(
        "conflict",
        "判定結果がまだありません。月次実行のあとで情報収集シートを送ってください。",
      );
    return run;
  }

  async function linkRunId(scope: DataScope): Promise<number | null> {
    return (await children.latestRun(scope.municipalityId))?.linkRunId ?? null;
  }

  /** Builds the stored request for one visible child, or explains why not (Japanese). */
  async function prepare(
    scope: DataScope,
    run: ChildRun,
    stored: Map<string, import("../../domain/sheets/templates.ts").SheetTemplate>,
    input: SendInput & { batchId: string | null },
    place: { place: string; kind: "school" | "nursery" } | undefined,
  ): Promise<NewRequest | string> {
    const child = await children.findChild(scope, run, input.personId);
    if (!child) return "not_found";
    if (input.dueDate !== undefined && input.dueDate < todayInJapan())
      throw new MimamoriError("invalid_input", "回答期限には今日以降の日付を入れてください。");
    const recipient = input.recipient?.trim() || place?.place;
    if (!recipient)
      return "このこどもの所属（学校・保育所）が記録にありません。依頼先を入力してください。";
    const recipientKind: RecipientKind = input.recipientKind ?? place?.kind ?? "school";
    const shown = input.mode === "c" ? [] : input.difficulties;
    const results = await resultsFor(scope, run, input.personId, shown);
    return {
      personId: input.personId,
      childName: child.name,
      recipient,
      recipientKind,
      difficulties: [...input.difficulties],
      mode: input.mode,
      shared: sharedResult(input.mode, run.asOf, results),
      questions: questionsFor(input.mode, input.difficulties, stored),
      dueDate: input.dueDate ?? defaultDueDate(todayInJapan()),
      batchId: input.batchId,
      note: input.note?.trim() || null,
      scoreRunId: run.scoreRunId,
    };
  }

  async function notifyRecipients(
    scope: DataScope,
    requests: { id: number; recipient: string; dueDate: string }[],
  ) {
    const byRecipient = new Map<string, { id: number; dueDate: string }[]>();
    for (const r of requests)
      byRecipient.set(r.recipient, [...(byRecipient.get(r.recipient) ?? []), r]);
    for (const [recipient, list] of byRecipient) {
      const users = await sheets.affiliationUsers(scope, recipient);
      const first = list[0];
      if (!first) continue;
      await notes.add(scope, [
        list.length === 1
          ? {
              userIds: users,
              kind: "sheet.new",
              text: `情報収集シートの依頼が届きました（回答期限 ${first.dueDate}）。`,
              link: `/sheets/inbox/${first.id}`,
              requestId: first.id,
            }
          : {
              userIds: users,
              kind: "sheet.new",
              text: `情報収集シートの依頼が${list.length}件届きました（回答期限 ${first.dueDate}）。`,
              link: "/sheets/inbox",
              requestId: null,
            },
      ]);
    }
  }

  const auditEntry = (actor: Actor, from: string) => ({
    municipalityId: actor.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    clientAddress: from,
  });

  return {
    /** Every template key with the template in force and whether it was edited. */
    async templates(scope: DataScope) {
      const stored = await sheets.templates(scope);
      return TEMPLATE_KEYS.map((key) => {
        const t = templateFor(key, stored);
        return {
          key,
          label: TEMPLATE_LABELS[key],
          edited: stored.has(key),
          title: t.title,
          questions: [...t.questions],
          builtIn: {
            title: BUILT_IN_TEMPLATES[key].title,
            questions: [...BUILT_IN_TEMPLATES[key].questions],
          },
        };
      });
    },

    async saveTemplate(
      scope: DataScope,
      actor: Actor,
      from: string,
      key: TemplateKey,
      t: { title: string; questions: readonly Question[] } | null,
    ) {
      if (t === null) await sheets.resetTemplate(scope, key);
      else {
        const problems = templateProblems(t);
        if (problems.length)
          throw new MimamoriError("invalid_input", "シートの内容を直してください。", problems);
        await sheets.saveTemplate(scope, { key, title: t.title.trim(), questions: t.questions });
      }
      await audit.append({
        ...auditEntry(actor, from),
        action: t === null ? "sheet.template.reset" : "sheet.template.save",
        target: `sheet_template:${key}`,
        detail: { questions: t?.questions.length ?? null },
      });
    },

    /** Sends one request. Undefined when the child is outside the sender's scope (the route answers 404). */
    async send(scope: DataScope, actor: Actor, senderName: string, from: string, input: SendInput) {
      const run = await latestRun(scope);
      const stored = await sheets.templates(scope);
      const places = await sheets.childPlaces(scope, run.linkRunId, [input.personId]);
      const prepared = await prepare(
        scope,
        run,
        stored,
        { ...input, batchId: null },
        places.get(input.personId),
      );
      if (prepared === "not_found") return undefined;
      if (typeof prepared === "string") throw new MimamoriError("invalid_input", prepared);
      // The request and its case's move to 情報収集中 are written together.
      const [id] = await db.transaction().execute(async (trx) => {
        const out = await createSheetRepository(trx).insert(
          scope,
          { userId: actor.userId, name: senderName },
          [prepared],
        );
        const first = out[0];
        if (first !== undefined)
          await createCaseRepository(trx).sheetsSent(scope, actor, [
            { personId: prepared.personId, requestId: first },
          ]);
        return out;
      });
      if (id === undefined) throw new MimamoriError("internal", "依頼を保存できませんでした。");
      await notifyRecipients(scope, [
        { id, recipient: prepared.recipient, dueDate: prepared.dueDate },
      ]);
      await audit.append({
        ...auditEntry(actor, from),
        action: "sheet.send",
        target: `sheet_request:${id}`,
        personId: input.personId,
        detail: {
          mode: prepared.mode,
          difficulties: prepared.difficulties,
          recipientKind: prepared.recipientKind,
        },
      });
      const row = await sheets.find(scope, run.linkRunId, id);
      return row ? staffItem(row, todayInJapan()) : undefined;
    },

    /**
     * One school's round (喬木村: start of the school year, after the summer):
     * a request per child to the same recipient, one batch id. Children the
     * sender may not see are refused as a whole (nothing is sent).
     */
    async sendBulk(
      scope: DataScope,
      actor: Actor,
      senderName: string,
      from: string,
      input: BulkInput,
    ) {
      const run = await latestRun(scope);
      const personIds =
        input.personIds ??
        (input.listId !== undefined
          ? await sheets.listedAt(scope, run.linkRunId, input.listId, input.recipient)
          : await sheets.flaggedAt(scope, run, input.recipient));
      if (personIds.length === 0 && input.listId !== undefined)
        throw new MimamoriError(
          "invalid_input",
          `この候補リストには、${input.recipient}に今在籍していて会議の決定前のこどもがいません。依頼先を選び直してください。`,
        );
      if (personIds.length === 0)
        throw new MimamoriError(
          "invalid_input",
          "送る相手のこどもがいません。こどもを選ぶか、判定で基準以上のこどもがいる所属を選んでください。",
        );
      const stored = await sheets.templates(scope);
      const batchId = randomUUID();
      const prepared: NewRequest[] = [];
      const refused: string[] = [];
      for (const personId of [...new Set(personIds)]) {
        const types =
          input.difficulties ??
          ((await children.scores({ ...scope, council: false }, run, personId))
            .filter((s) => s.flagged)
            .map((s) => s.difficulty) as DifficultyId[]);
        const p = await prepare(
          scope,
          run,
          stored,
          { ...input, personId, difficulties: types, batchId },
          undefined,
        );
        if (typeof p === "string") refused.push(personId);
        else prepared.push(p);
      }
      if (refused.length > 0) return { refused, batchId: null, ids: [] };
      const ids = await db.transaction().execute(async (trx) => {
        const out = await createSheetRepository(trx).insert(
          scope,
          { userId: actor.userId, name: senderName },
          prepared,
        );
        await createCaseRepository(trx).sheetsSent(
          scope,
          actor,
          out.map((requestId, i) => ({ personId: prepared[i]?.personId ?? "", requestId })),
        );
        return out;
      });
      await notifyRecipients(
        scope,
        ids.map((id, i) => ({
          id,
          recipient: input.recipient,
          dueDate: prepared[i]?.dueDate ?? "",
        })),
      );
      await audit.append({
        ...auditEntry(actor, from),
        action: "sheet.send_bulk",
        target: `sheet_batch:${batchId}`,
        detail: {
          requests: ids,
          mode: input.mode,
          recipientKind: input.recipientKind,
          listId: input.listId ?? null,
        },
      });
      return { refused: null, batchId, ids };
    },

    /**
     * Requests the reader may see (staff: sender's shape; 所属: the inbox
     * shape). Overdue requests not yet reminded today leave a notification
     * for their recipients and sender first.
     */
    async list(scope: DataScope, filter: RequestFilter) {
      const today = todayInJapan();
      await this.remindOverdue(scope, today);
      const r = await sheets.list(scope, await linkRunId(scope), filter, today);
      return { total: r.total, rows: r.rows, today };
    },

    async find(scope: DataScope, id: number) {
      return sheets.find(scope, await linkRunId(scope), id);
    },

    /** In-app reminders of overdue requests: once a day per request, to its recipients and sender. */
    async remindOverdue(scope: DataScope, today = todayInJapan()): Promise<number> {
      const passes = overduePassesOf(db);
      const key = JSON.stringify([scope.municipalityId, scope.council, today]);
      if (passes.peek(key)) return 0;
      let reminded = 0;
      // Kept only when the pass wrote nothing: a pass that reminded published
      // its writes meanwhile, so the next one runs (and finds nothing).
      await passes.get(key, async () => {
        reminded = await remindOverdueNow(scope, today);
        return true as const;
      });
      return reminded;
    },

    async answer(
      scope: DataScope,
      actor: Actor,
      name: string,
      from: string,
      id: number,
      answers: Answers,
    ) {
      const row = await sheets.find(scope, null, id);
      if (!row) return undefined;
      if (row.status !== "sent")
        throw new MimamoriError(
          "conflict",
          row.status === "answered"
            ? "この依頼には回答済みです。内容を直す場合は依頼した担当者に連絡してください。"
            : "この依頼は取り下げられました。",
        );
      const trimmed: Record<string, string> = {};
      for (const [k, v] of Object.entries(answers)) if (v.trim()) trimmed[k] = v.trim();
      const problems = answerProblems(row.questions, answers);
      if (problems.length)
        throw new MimamoriError("invalid_input", "回答を直してください。", problems);
      const ok = await sheets.answer(scope, id, trimmed, { userId: actor.userId, name });
      if (!ok)
        throw new MimamoriError(
          "conflict",
          "この依頼には回答できません。画面を開き直してください。",
        );
      await notes.add(scope, [
        {
          userIds: [row.sentBy],
          kind: "sheet.answered",
          text: `${row.recipient}から情報収集シートの回答が届きました。`,
          link: `/sheets/requests/${id}`,
          requestId: id,
        },
      ]);
      await audit.append({
        ...auditEntry(actor, from),
        action: "sheet.answer",
        target: `sheet_request:${id}`,
        personId: row.personId,
        detail: { answered: Object.keys(trimmed).length },
      });
      const after = await sheets.find(scope, null, id);
      return after ? inboxItem(after, todayInJapan()) : undefined;
    },

    async withdraw(scope: DataScope, actor: Actor, from: string, id: number, reason: string) {
      const row = await this.find(scope, id);
      if (!row) return undefined;
      // Withdrawn together with the case's way back to 候補リスト (when the
      // gathering rested on this request alone).
      const ok = await db.transaction().execute(async (trx) => {
        if (!(await createSheetRepository(trx).withdraw(scope, id, reason))) return false;
        await createCaseRepository(trx).sheetWithdrawn(scope, actor, {
          personId: row.personId,
          requestId: id,
          reason,
        });
        return true;
      });
      if (!ok)
        throw new MimamoriError("conflict", "回答済み・取り下げ済みの依頼は取り下げられません。");
      await audit.append({
        ...auditEntry(actor, from),
        action: "sheet.withdraw",
        target: `sheet_request:${id}`,
        personId: row.personId,
        detail: {},
      });
      const after = await this.find(scope, id);
      return after ? staffItem(after, todayInJapan()) : undefined;
    },

    /** Affiliations with a 所属 account (choices for a recipient). */
    affiliations: (scope: DataScope) => sheets.affiliations(scope),

    /**
     * The open requests to the reader's affiliation about `personId`, for the
     * 所属 account's child view; empty when none (the route answers 404).
     */
    openForAffiliation: (scope: DataScope, personId: string) =>
      sheets.openForAffiliation(scope, personId),
  };
}
