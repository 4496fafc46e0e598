import { z } from "@hono/zod-openapi";
import { SHARING_MODES } from "../../../domain/cases/sharing.ts";
import { DIFFICULTY_IDS } from "../../../domain/scoring/difficulties.ts";
import {
  MAX_ANSWER_LENGTH,
  RECIPIENT_KINDS,
  REQUEST_STATUSES,
} from "../../../domain/sheets/requests.ts";
import { QUESTION_KINDS, TEMPLATE_KEYS } from "../../../domain/sheets/templates.ts";
import { calendarDay } from "../../openapi/calendar-date.ts";
import { identity } from "../../openapi/identity.ts";
import { pageOffset, pageSize, wholeNumber } from "../../openapi/whole-number.ts";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "期限は 2025-04-30 の形で入力してください。")
  .superRefine(calendarDay);

const personId = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{1,40}$/,
    "こどもの指定が正しくありません。一覧や検索から開き直してください。",
  );

const modeSchema = z.enum(SHARING_MODES, {
  error: "共有モード（a・b・c）を選んでください。",
});
const difficulties = z
  .array(z.enum(DIFFICULTY_IDS, { error: "困難の種類の指定が正しくありません。" }))
  .max(DIFFICULTY_IDS.length);
const recipient = z
  .string()
  .trim()
  .min(1, "依頼先（学校・保育所など）を入力してください。")
  .max(100, "依頼先は100文字以内で入力してください。");
const recipientKind = z.enum(RECIPIENT_KINDS, { error: "依頼先の種類を選んでください。" });
const note = z.string().max(500, "依頼の補足は500文字以内で入力してください。").optional();

export const requestIdParam = z.object({
  requestId: wholeNumber("依頼の指定が正しくありません。一覧から開き直してください。").openapi({
    param: { name: "requestId", in: "path" },
    example: 1,
  }),
});

export const personParam = z.object({
  personId: personId.openapi({ param: { name: "personId", in: "path" }, example: "P00000020" }),
});

export const templateKeyParam = z.object({
  key: z
    .enum(TEMPLATE_KEYS, { error: "シートの種類の指定が正しくありません。" })
    .openapi({ param: { name: "key", in: "path" }, example: "general" }),
});

const questionSchema = z
  .object({
    id: z
      .string()
      .regex(
        /^[a-z0-9_]{1,40}$/,
        "質問の識別子は半角英小文字・数字・_ で40文字以内にしてください。",
      ),
    text: z
      .string()
      .trim()
      .min(1, "質問の文を入力してください。")
      .max(300, "質問は300文字以内にしてください。"),
    kind: z.enum(QUESTION_KINDS),
    choices: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
  })
  .openapi("SheetQuestion");

export const templateBody = z
  .object({
    title: z.string().trim().min(1, "シートの題名を入力してください。").max(100),
    questions: z.array(questionSchema).min(1, "質問を1つ以上入れてください。").max(40),
  })
  .openapi("SheetTemplateInput");

export const templateSchema = z
  .object({
    key: z.enum(TEMPLATE_KEYS),
    label: z.string(),
    edited: z.boolean().openapi({ description: "自治体で編集したか（false: 組み込みのまま）" }),
    title: z.string(),
    questions: z.array(questionSchema),
    builtIn: z.object({ title: z.string(), questions: z.array(questionSchema) }),
  })
  .openapi("SheetTemplate");

export const sendBody = z
  .object({
    personId,
    recipient: recipient.optional().openapi({ description: "省略時はこどもの現在の学校・保育所" }),
    recipientKind: recipientKind.optional(),
    difficulties: difficulties.min(1, "困難の種類を1つ以上選んでください。"),
    mode: modeSchema,
    dueDate: isoDate.optional().openapi({ description: "回答期限（省略時は2週間後）" }),
    note,
  })
  .openapi("SheetSendInput");

export const bulkBody = z
  .object({
    recipient,
    recipientKind,
    personIds: z
      .array(personId)
      .min(1, "こどもを1人以上選んでください。")
      .max(500, "一度に送れるのは500人までです。")
      .optional()
      .openapi({ description: "省略時: 依頼先に今在籍し、最新の判定で基準以上のこども全員" }),
    listId: z.number().int().positive().optional().openapi({
      description:
        "候補リスト全体の一斉依頼: このリストに載り、会議の決定前（候補リスト・情報収集中・会議予定）で、依頼先に今在籍するこども全員。personIds とは同時に指定できません。",
    }),
    difficulties: difficulties
      .optional()
      .openapi({ description: "省略時: こどもごとに基準以上の困難の種類" }),
    mode: modeSchema,
    dueDate: isoDate.optional(),
    note,
  })
  .refine((b) => !(b.listId !== undefined && b.personIds !== undefined), {
    message: "こどもの指定と候補リストの指定は、どちらか一方だけにしてください。",
    path: ["listId"],
  })
  .openapi("SheetBulkInput");

export const bulkResultSchema = z
  .object({ batchId: z.string(), ids: z.array(z.number().int()) })
  .openapi("SheetBulkResult");

const sharedSchema = z
  .object({
    mode: z.enum(SHARING_MODES),
    asOf: z.string().nullable(),
    types: z
      .array(
        z.object({
          difficulty: z.string(),
          label: z.string(),
          flagged: z.boolean().nullable(),
          score: z.number().nullable().optional(),
          threshold: z.number().optional(),
          items: z
            .array(z.object({ itemId: z.string(), name: z.string(), text: z.string() }))
            .optional(),
        }),
      )
      .optional()
      .openapi({ description: "モード (c) では含まない。点数・基準値・項目はモード (a) だけ" }),
  })
  .openapi("SheetShared");

const statusSchema = z.enum(REQUEST_STATUSES);

export const staffRequestSchema = z
  .object({
    id: z.number().int(),
    personId: z.string(),
    childName: identity("name", z.string().nullable()),
    recipient: z.string(),
    recipientKind: z.string(),
    difficulties: z.array(z.string()),
    difficultyLabels: z.array(z.string()),
    mode: z.enum(SHARING_MODES),
    shared: sharedSchema,
    questions: z.array(questionSchema),
    dueDate: z.string(),
    status: statusSchema,
    batchId: z.string().nullable(),
    note: z.string().nullable(),
    sentByName: z.string(),
    sentAt: z.string(),
    answers: z.record(z.string(), z.string()).nullable(),
    answeredByName: z.string().nullable(),
    answeredAt: z.string().nullable(),
    withdrawnAt: z.string().nullable(),
    withdrawReason: z.string().nullable(),
  })
  .openapi("SheetRequest");

export const inboxRequestSchema = z
  .object({
    id: z.number().int(),
    personId: z.string(),
    childName: identity("name", z.string().nullable()),
    recipientKind: z.string(),
    mode: z.enum(SHARING_MODES),
    shared: sharedSchema,
    questions: z.array(questionSchema),
    dueDate: z.string(),
    status: statusSchema,
    note: z.string().nullable(),
    sentByName: z.string(),
    sentAt: z.string(),
    answers: z.record(z.string(), z.string()).nullable(),
    answeredAt: z.string().nullable(),
  })
  .openapi("SheetInboxRequest");

export const listQuery = z.object({
  status: z
    .enum(["open", ...REQUEST_STATUSES], { error: "状態の指定が正しくありません。" })
    .optional(),
  personId: personId.optional(),
  recipient: z.string().max(100).optional(),
  limit: pageSize(200, 50).openapi({ description: "件数（最大 200）" }),
  offset: pageOffset(100_000),
});

export const inboxQuery = z.object({
  status: z
    .enum(["open", ...REQUEST_STATUSES], { error: "状態の指定が正しくありません。" })
    .optional(),
  limit: pageSize(200, 50).openapi({ description: "件数（最大 200）" }),
  offset: pageOffset(100_000),
});

export const staffListSchema = z
  .object({ total: z.number().int(), today: z.string(), requests: z.array(staffRequestSchema) })
  .openapi("SheetRequestList");
export const inboxListSchema = z
  .object({ total: z.number().int(), today: z.string(), requests: z.array(inboxRequestSchema) })
  .openapi("SheetInbox");

export const answerBody = z
  .object({
    answers: z.record(
      z.string().max(40),
      z.string().max(MAX_ANSWER_LENGTH, `回答は${MAX_ANSWER_LENGTH}文字以内にしてください。`),
    ),
  })
  .openapi("SheetAnswerInput");

export const withdrawBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, "取り下げの理由を入力してください。")
      .max(300, "理由は300文字以内で入力してください。"),
  })
  .openapi("SheetWithdrawInput");

export const affiliationsSchema = z
  .object({ affiliations: z.array(z.string()) })
  .openapi("SheetAffiliations");
