import { z } from "@hono/zod-openapi";
import { CASE_STATES, DECISIONS } from "../../../domain/cases/state.ts";
import { MONTH_PATTERN, SUPPORT_ACTIONS, VERDICTS } from "../../../domain/cases/workflow.ts";
import { calendarDay } from "../../openapi/calendar-date.ts";
import { identity } from "../../openapi/identity.ts";
import { wholeNumber } from "../../openapi/whole-number.ts";

const id = <N extends string>(name: N, what: string) =>
  z.object({
    [name]: wholeNumber(`${what}の指定が正しくありません。一覧から開き直してください。`).openapi({
      param: { name, in: "path" },
      example: 1,
    }),
  } as Record<N, ReturnType<typeof wholeNumber>>);

export const listParam = id("listId", "候補リスト");
export const conferenceParam = id("conferenceId", "会議");
export const caseParam = id("caseId", "ケース");
export const followUpParam = id("followUpId", "予定");
export const conferenceCaseParam = z.object({
  conferenceId: conferenceParam.shape.conferenceId,
  caseId: caseParam.shape.caseId,
});

const PERSON = /^[A-Za-z0-9_-]{1,40}$/;
const personId = z
  .string()
  .regex(PERSON, "こどもの指定が正しくありません。判定一覧から選び直してください。");
const date = (what: string) =>
  z
    .string({ error: `${what}を入力してください。` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what}は 2025-04-30 の形で入力してください。`)
    .superRefine(calendarDay);
const text = (what: string, max = 2000) =>
  z
    .string({ error: `${what}を入力してください。` })
    .trim()
    .min(1, `${what}を入力してください。`)
    .max(max, `${what}は${max}文字以内で入力してください。`);
const month = z
  .string({ error: "月を入力してください。" })
  .regex(MONTH_PATTERN, "月は 2025-04 の形で入力してください。");

export const personIdsQuery = z.object({
  personIds: z
    .string({ error: "こどもを指定してください。" })
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(
      z
        .array(personId)
        .min(1, "こどもを指定してください。")
        .max(200, "一度に指定できるのは 200 人までです。"),
    )
    .openapi({ description: "こどもID（カンマ区切り、最大 200）", example: "P00000020" }),
});

export const createListBody = z
  .object({ month, runId: z.number().int().positive("判定を指定してください。") })
  .openapi("CreateReviewList");

export const checkBody = z
  .object({
    picks: z
      .array(z.object({ personId, difficulty: z.string().min(1).max(40) }))
      .min(1, "こどもを選んでください。")
      .max(200, "一度に選べるのは 200 人までです。"),
  })
  .openapi("CandidateCheckRequest");

export const addEntriesBody = z
  .object({
    picks: z
      .array(
        z.object({
          personId,
          difficulty: z.string().min(1).max(40),
          overrideReason: z
            .string()
            .trim()
            .max(500, "理由は500文字以内で入力してください。")
            .nullish(),
        }),
      )
      .min(1, "こどもを選んでください。")
      .max(200, "一度に追加できるのは 200 人までです。"),
  })
  .openapi("AddListEntries");

const caseState = z.enum(CASE_STATES);
const decision = z.enum(DECISIONS, {
  error: "決定（要支援・調査継続・経過観察・支援不要）を選んでください。",
});

export const caseStatusSchema = z
  .array(
    z.object({
      personId: z.string(),
      caseId: z.number().int(),
      state: caseState,
      stateLabel: z.string(),
      council: z.boolean(),
      listMonths: z.array(z.string()),
    }),
  )
  .openapi("CaseStatus");

const exclusion = z.object({ id: z.string(), name: z.string(), overridable: z.boolean() });

export const candidateCheckSchema = z
  .array(
    z.object({
      personId: z.string(),
      difficulty: z.string(),
      scored: z.boolean(),
      householdNo: identity("householdNo", z.string().nullable()),
      caseState: caseState.nullable(),
      exclusions: z.array(exclusion),
    }),
  )
  .openapi("CandidateCheck");

const listSummary = z.object({
  id: z.number().int(),
  month: z.string(),
  runId: z.number().int(),
  createdBy: z.string(),
  createdAt: z.string(),
  children: z.number().int(),
  households: z.number().int(),
});

export const listsSchema = z
  .object({ lists: z.array(listSummary), capacity: z.number().int().nullable() })
  .openapi("ReviewLists");

const entry = z.object({
  entryId: z.number().int(),
  caseId: z.number().int(),
  personId: z.string(),
  name: identity("name", z.string().nullable()),
  age: identity("age", z.number().int().nullable()),
  difficulty: z.string(),
  difficultyLabel: z.string(),
  householdNo: identity("householdNo", z.string().nullable()),
  exclusions: z.array(z.string()),
  overrideReason: z.string().nullable(),
  addedBy: z.string(),
  addedAt: z.string(),
  state: caseState,
  stateLabel: z.string(),
  decision: decision.nullable(),
});

export const listViewSchema = z
  .object({
    list: listSummary,
    capacity: z.number().int(),
    households: z.array(
      z.object({
        householdNo: identity("householdNo", z.string().nullable()),
        children: z.array(entry),
      }),
    ),
    conferences: z.array(z.object({ id: z.number().int(), heldOn: z.string(), title: z.string() })),
  })
  .openapi("ReviewListView");

export const createConferenceBody = z
  .object({
    listId: z.number().int().positive("候補リストを選んでください。"),
    heldOn: date("開催日"),
    title: text("会議名", 200),
    attendees: z.array(text("出席者", 100)).max(50, "出席者は50人までです。").default([]),
  })
  .openapi("CreateConference");

const conferenceSummary = z.object({
  id: z.number().int(),
  listId: z.number().int(),
  month: z.string(),
  runId: z.number().int(),
  heldOn: z.string(),
  title: z.string(),
  attendees: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
});
export const conferencesSchema = z.array(conferenceSummary).openapi("Conferences");

const event = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  actionLabel: z.string(),
  decision: decision.nullable(),
  fromState: caseState.nullable(),
  toState: caseState,
  reason: z.string().nullable(),
  conferenceId: z.number().int().nullable(),
  correctsId: z.number().int().nullable(),
});

const evidenceType = z.object({
  difficulty: z.string(),
  label: z.string(),
  score: z.number().nullable(),
  threshold: z.number(),
  flagged: z.boolean().nullable(),
  /** The held items counted in this type: names in the view's `items`, texts in the child's `heldItems`. */
  itemIds: z.array(z.string()),
});

const caseSummary = z.object({
  id: z.number().int(),
  personId: z.string(),
  name: identity("name", z.string().nullable()),
  state: caseState,
  stateLabel: z.string(),
  council: z.boolean(),
  responsibleUserId: z.number().int().nullable(),
  responsibleName: z.string().nullable(),
  reviewOn: z.string().nullable(),
  lastDecision: decision.nullable(),
  openedAt: z.string(),
  updatedAt: z.string(),
});

const followUp = z.object({
  id: z.number().int(),
  caseId: z.number().int(),
  personId: z.string(),
  name: identity("name", z.string().nullable()),
  dueOn: z.string(),
  what: z.string(),
  assigneeUserId: z.number().int(),
  assigneeName: z.string().nullable(),
  doneAt: z.string().nullable(),
  doneNote: z.string().nullable(),
  createdBy: z.string(),
});

export const conferenceViewSchema = z
  .object({
    conference: conferenceSummary,
    /**
     * Each data item named in the agenda's evidence, once (an item counts in
     * several types and for many children: sent once, not per child and type).
     */
    items: z.array(z.object({ itemId: z.string(), name: z.string() })),
    agenda: z.array(
      z.object({
        case: caseSummary,
        difficulty: z.string(),
        difficultyLabel: z.string(),
        householdNo: identity("householdNo", z.string().nullable()),
        age: identity("age", z.number().int().nullable()),
        evidence: z.array(evidenceType),
        /** The child's held items of its evidence, each once, with what the record shows. */
        heldItems: z.array(z.object({ itemId: z.string(), text: z.string() })),
        /** 情報収集シート about the child (wf-sheets): sent, overdue and answered, with the answers. */
        sheets: z.array(
          z.object({
            id: z.number().int(),
            recipient: z.string(),
            mode: z.string(),
            status: z.string(),
            dueDate: z.string(),
            answeredAt: z.string().nullable(),
            answeredByName: z.string().nullable(),
            answers: z.array(z.object({ question: z.string(), answer: z.string() })),
          }),
        ),
        history: z.array(event),
        decidedHere: z
          .object({
            decision,
            label: z.string(),
            reason: z.string().nullable(),
            at: z.string(),
            actor: z.string(),
          })
          .nullable(),
      }),
    ),
  })
  .openapi("ConferenceView");

export const decideBody = z
  .object({
    decision,
    reason: text("理由"),
    responsibleUserId: z.number({ error: "担当者を選んでください。" }).int().positive(),
    reviewOn: date("次の見直し日").nullish(),
  })
  .openapi("Decision");

export const caseViewSchema = z
  .object({
    case: caseSummary,
    lists: z.array(
      z.object({
        listId: z.number().int(),
        month: z.string(),
        runId: z.number().int(),
        difficulty: z.string(),
      }),
    ),
    events: z.array(event),
    plans: z.array(
      z.object({
        id: z.number().int(),
        goals: z.string(),
        organisations: z.array(z.string()),
        createdBy: z.string(),
        createdAt: z.string(),
      }),
    ),
    actions: z.array(
      z.object({
        id: z.number().int(),
        kind: z.string(),
        kindLabel: z.string(),
        doneOn: z.string(),
        outcome: z.string(),
        createdBy: z.string(),
        createdAt: z.string(),
      }),
    ),
    followUps: z.array(followUp),
    evaluations: z.array(
      z.object({
        id: z.number().int(),
        runId: z.number().int().nullable(),
        difficulty: z.string(),
        verdict: z.enum(Object.keys(VERDICTS) as [keyof typeof VERDICTS]),
        verdictLabel: z.string(),
        note: z.string().nullable(),
        createdBy: z.string(),
        createdAt: z.string(),
      }),
    ),
    /** Actions the state machine allows now (the page offers only these). */
    allowed: z.array(z.string()),
  })
  .openapi("CaseView");

export const personCaseSchema = z.object({ case: caseSummary.nullable() }).openapi("PersonCase");

export const transitionBody = z
  .object({
    action: z.enum(["close", "reopen", "relist", "unschedule", "request_info"], {
      error: "操作（終結・再開・見直し・議題から外す・情報収集）を選んでください。",
    }),
    reason: z.string().trim().max(2000, "理由は2000文字以内で入力してください。").nullish(),
  })
  .openapi("CaseTransition");

export const correctBody = z
  .object({ eventId: z.number().int().positive(), reason: text("訂正の理由") })
  .openapi("CaseCorrection");

export const councilBody = z.object({ reason: text("登録の理由") }).openapi("CouncilRegistration");

export const assignBody = z
  .object({
    responsibleUserId: z.number({ error: "担当者を選んでください。" }).int().positive(),
    reason: z.string().trim().max(500).nullish(),
  })
  .openapi("CaseAssignment");

export const planBody = z
  .object({
    goals: text("支援の目標"),
    organisations: z
      .array(text("担当機関", 100))
      .min(1, "担当する機関を1つ以上入力してください。")
      .max(20),
  })
  .openapi("SupportPlan");

export const actionBody = z
  .object({
    kind: z.enum(Object.keys(SUPPORT_ACTIONS) as [keyof typeof SUPPORT_ACTIONS], {
      error: "支援の種類を選んでください。",
    }),
    doneOn: date("実施日"),
    outcome: text("結果"),
  })
  .openapi("SupportAction");

export const followUpBody = z
  .object({
    dueOn: date("期日"),
    what: text("予定の内容", 500),
    assigneeUserId: z.number({ error: "担当者を選んでください。" }).int().positive(),
  })
  .openapi("FollowUp");

export const doneBody = z.object({ note: text("結果のメモ", 1000) }).openapi("FollowUpDone");

export const evaluationBody = z
  .object({
    runId: z.number().int().positive().nullish(),
    difficulty: z.string().min(1).max(40),
    verdict: z.enum(Object.keys(VERDICTS) as [keyof typeof VERDICTS], {
      error: "評価（当たり・外れ・別の困難）を選んでください。",
    }),
    note: z.string().trim().max(1000).nullish(),
  })
  .openapi("ResultEvaluation");

export const followUpsSchema = z.array(followUp).openapi("FollowUps");

export const assigneesSchema = z
  .array(z.object({ id: z.number().int(), displayName: z.string(), council: z.boolean() }))
  .openapi("Assignees");

export const capacityBody = z
  .object({
    households: z
      .number({ error: "世帯数を入力してください。" })
      .int("世帯数は整数で入力してください。")
      .min(1, "1世帯以上にしてください。")
      .max(1000, "1000世帯以下にしてください。"),
  })
  .openapi("ReviewCapacity");

export const okSchema = z.object({ ok: z.literal(true) }).openapi("WorkflowOk");
