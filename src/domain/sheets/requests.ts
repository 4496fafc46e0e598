/**
 * 情報収集シート requests (issue 13): one request about one child to the
 * child's affiliation, with a due date, a status and a sharing mode
 * (../cases/sharing.ts). Pure rules: the derived status (overdue), what a
 * request shares with its recipient per mode, and the checks of an answer.
 *
 * What the recipient may see is decided HERE, once, when the request is sent:
 * `sharedResult` keeps only what the mode allows and that snapshot is what is
 * stored and returned to the recipient — a mode-(b) or (c) request does not
 * hold items, scores or evidence, so no route can return them from it.
 */
import { type SharingMode, sharedView } from "../cases/sharing.ts";
import type { Question } from "./templates.ts";

export const RECIPIENT_KINDS = ["school", "nursery", "health_nurse", "caseworker"] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];
export const RECIPIENT_KIND_LABELS: Record<RecipientKind, string> = {
  school: "学校",
  nursery: "保育所・幼稚園",
  health_nurse: "保健師",
  caseworker: "ケースワーカー",
};

/** Stored states; `overdue` is derived (sent and past the due date). */
export const STORED_STATUSES = ["sent", "answered", "withdrawn"] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];
export const REQUEST_STATUSES = ["sent", "overdue", "answered", "withdrawn"] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const REQUEST_STATUS_LABELS: Record<RequestStatus, string> = {
  sent: "依頼中",
  overdue: "期限超過",
  answered: "回答済み",
  withdrawn: "取り下げ",
};

/** The status shown: a sent request past its due date (ISO dates compare as strings) is overdue. */
export function requestStatus(stored: StoredStatus, dueDate: string, today: string): RequestStatus {
  return stored === "sent" && dueDate < today ? "overdue" : stored;
}

/** One difficulty type's result as the scoring run stored it, with the items behind it. */
export interface TypeResult {
  readonly difficulty: string;
  readonly label: string;
  readonly flagged: boolean | null;
  readonly score: number | null;
  readonly threshold: number;
  readonly items: readonly SharedItem[];
}

export interface SharedItem {
  readonly itemId: string;
  readonly name: string;
  /** The one-line evidence (value against the criterion), without source file or row. */
  readonly text: string;
}

/** What a request shares, stored with it. Fields a mode leaves out are absent, not empty. */
export interface SharedResult {
  readonly mode: SharingMode;
  readonly asOf: string | null;
  /** Absent in mode (c). */
  readonly types?: {
    difficulty: string;
    label: string;
    flagged: boolean | null;
    /** Mode (a) only. */
    score?: number | null;
    threshold?: number;
    items?: SharedItem[];
  }[];
}

/** The snapshot a request of `mode` shares about the chosen types (and nothing else). */
export function sharedResult(
  mode: SharingMode,
  asOf: string | null,
  results: readonly TypeResult[],
): SharedResult {
  const view = sharedView(mode);
  if (!view.result || !view.difficulty) return { mode, asOf };
  return {
    mode,
    asOf,
    types: results.map((r) =>
      view.items
        ? {
            difficulty: r.difficulty,
            label: r.label,
            flagged: r.flagged,
            score: r.score,
            threshold: r.threshold,
            items: r.items.map((i) => ({ itemId: i.itemId, name: i.name, text: i.text })),
          }
        : { difficulty: r.difficulty, label: r.label, flagged: r.flagged },
    ),
  };
}

/** A recipient's answers: question id → text (the chosen choice for `choice`). */
export type Answers = Readonly<Record<string, string>>;

export const MAX_ANSWER_LENGTH = 2000;

/** Problems of an answer against the request's questions (Japanese); empty when it can be stored. */
export function answerProblems(questions: readonly Question[], answers: Answers): string[] {
  const problems: string[] = [];
  const ids = new Set(questions.map((q) => q.id));
  for (const id of Object.keys(answers))
    if (!ids.has(id))
      problems.push(`この依頼にない質問への回答があります（${id}）。画面を開き直してください。`);
  let any = false;
  questions.forEach((q, i) => {
    const a = answers[q.id]?.trim() ?? "";
    if (a) any = true;
    if (a.length > MAX_ANSWER_LENGTH)
      problems.push(`${i + 1}番目の回答は${MAX_ANSWER_LENGTH}文字以内にしてください。`);
    if (a && q.kind === "choice" && !(q.choices ?? []).includes(a))
      problems.push(`${i + 1}番目の質問は選択肢から選んでください。`);
  });
  if (!any) problems.push("少なくとも1つの質問に回答してください。");
  return problems;
}

/** The default due date: two weeks after `today` (ISO date). */
export function defaultDueDate(today: string): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 14);
  return d.toISOString().slice(0, 10);
}

/** Combines open requests' snapshots: per type, the widest mode that shares it. */
export function combineShared(shared: readonly SharedResult[]): {
  modes: SharingMode[];
  types: NonNullable<SharedResult["types"]>[number][];
} {
  const order: Record<SharingMode, number> = { a: 0, b: 1, c: 2 };
  const modes = [...new Set(shared.map((s) => s.mode))].sort((x, y) => order[x] - order[y]);
  const types = new Map<string, NonNullable<SharedResult["types"]>[number]>();
  for (const s of [...shared].sort((x, y) => order[y.mode] - order[x.mode]))
    for (const t of s.types ?? []) types.set(t.difficulty, t);
  return { modes, types: [...types.values()] };
}
