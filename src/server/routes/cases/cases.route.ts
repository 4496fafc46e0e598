/**
 * The screening workflow (issue 13): 候補リスト (/review-lists), カンファレンス
 * (/conferences), cases and support (/cases), follow-ups (/follow-ups).
 *
 * Permissions: lists, conferences, decisions and 要対協 registration need
 * `cases.manage` (coordinators); a case's support record `cases.work`
 * (coordinators; staff on the cases they are responsible for or hold a
 * follow-up of). A case outside the reader's scope — another municipality,
 * another worker's, or a 要対協 case for a non-member (hidden by RLS) — is
 * answered like a missing one (refuseAsNotFound, audited). Every view and
 * every change is audited with the case and the child.
 */
import type { Context } from "hono";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createCaseRepository } from "../../../db/case.repository.ts";
import { createRunViewRepository } from "../../../db/run-view.repository.ts";
import { createUserRepository } from "../../../db/user.repository.ts";
import { CASE_STATE_LABELS } from "../../../domain/cases/state.ts";
import { CAPACITY_SETTING } from "../../../domain/cases/workflow.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import type { AppEnv } from "../../app-env.ts";
import {
  actorOf,
  auditRefusal,
  clientAddress,
  createRouter,
  json,
  jsonBody,
  policyRoute,
  refuseAsNotFound,
  scopeOfRequest,
} from "../../openapi/route.ts";
import { caseSummary, createCaseService, typeLabel } from "../../services/case.service.ts";
import { readerAnswer, sendAnswer } from "../../services/reader-answers.ts";
import { personParam } from "../child/schema.ts";
import {
  actionBody,
  addEntriesBody,
  assignBody,
  assigneesSchema,
  candidateCheckSchema,
  capacityBody,
  caseParam,
  caseStatusSchema,
  caseViewSchema,
  checkBody,
  conferenceCaseParam,
  conferenceParam,
  conferencesSchema,
  conferenceViewSchema,
  correctBody,
  councilBody,
  createConferenceBody,
  createListBody,
  decideBody,
  doneBody,
  evaluationBody,
  followUpBody,
  followUpParam,
  followUpsSchema,
  listParam,
  listsSchema,
  listViewSchema,
  okSchema,
  personCaseSchema,
  personIdsQuery,
  planBody,
  transitionBody,
} from "./schema.ts";

const listTags = ["候補リスト"];
const confTags = ["カンファレンス"];
const caseTags = ["ケース・支援"];

async function audit(
  c: Context<AppEnv>,
  action: string,
  target: string,
  personId: string | null,
  detail: Record<string, unknown> = {},
) {
  const actor = actorOf(c);
  await createAuditRepository(c.get("deps").db).append({
    municipalityId: actor.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action,
    target,
    personId,
    clientAddress: clientAddress(c),
    detail,
  });
}

function who(c: Context<AppEnv>) {
  const a = actorOf(c);
  return { userId: a.userId, loginName: a.loginName };
}

const repoOf = (c: Context<AppEnv>) => createCaseRepository(c.get("deps").db);

/**
 * The case of the path (and its conference, when given) as the reader may
 * see it, with the scope and repository the handler goes on with. One outside
 * the reader's scope is refused exactly as a missing one (audited).
 */
async function caseInScope(c: Context<AppEnv>, caseId: number, conferenceId?: number) {
  const scope = scopeOfRequest(c);
  const repo = repoOf(c);
  if (conferenceId !== undefined && !(await repo.findConference(scope, conferenceId)))
    return refuseAsNotFound(c, `conference:${conferenceId}`);
  const cs = await repo.find(scope, caseId);
  if (!cs) return refuseAsNotFound(c, `case:${caseId}`);
  return { scope, repo, cs };
}

/** Mounted at /api/review-lists. */
export const reviewListRoutes = createRouter()
  .openapi(
    policyRoute("cases.manage", {
      method: "get",
      path: "/",
      tags: listTags,
      summary: "候補リストの一覧（月の新しい順、最大 60 件）",
      responses: { 200: json(listsSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const lists = await repoOf(c).lists(scope);
      const setting = await createRunViewRepository(c.get("deps").db).setting(
        scope.municipalityId,
        CAPACITY_SETTING,
      );
      return c.json({ lists, capacity: typeof setting === "number" ? setting : null }, 200);
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "post",
      path: "/",
      tags: listTags,
      summary: "月の候補リストを作る（同じ月があればそれを返す）",
      request: { body: jsonBody(createListBody) },
      responses: { 201: json(listsSchema.shape.lists.element) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { month, runId } = c.req.valid("json");
      const list = await repoOf(c).ensureList(scope, who(c), month, runId);
      await audit(c, "review_list.create", `review_list:${list.id}`, null, { month, runId });
      return c.json(list, 201);
    },
  )
  .openapi(
    policyRoute("settings.manage", {
      method: "put",
      path: "/capacity",
      tags: listTags,
      summary: "月の確認件数の上限（世帯数）を設定する",
      request: { body: jsonBody(capacityBody) },
      responses: { 200: json(okSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { households } = c.req.valid("json");
      await createRunViewRepository(c.get("deps").db).saveSetting(
        scope.municipalityId,
        CAPACITY_SETTING,
        households,
        actorOf(c).loginName,
      );
      await audit(c, "settings.update", `setting:${CAPACITY_SETTING}`, null, { households });
      return c.json({ ok: true as const }, 200);
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "get",
      path: "/{listId}",
      tags: listTags,
      summary: "候補リスト（世帯ごと、除外理由と上書きの理由つき）",
      description: "閲覧は監査ログに記録されます。要対協に登録したケースは構成員にだけ表示します。",
      request: { params: listParam },
      responses: { 200: json(listViewSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { listId } = c.req.valid("param");
      const repo = repoOf(c);
      const list = await repo.findList(scope, listId);
      if (!list) return refuseAsNotFound(c, `review_list:${listId}`);
      const entries = await repo.entries(scope, listId);
      const households: { householdNo: string | null; children: typeof rows }[] = [];
      const rows = entries.map((e) => ({
        ...e,
        exclusions: [...e.exclusions],
        difficultyLabel: typeLabel(e.difficulty),
        stateLabel: CASE_STATE_LABELS[e.state],
      }));
      for (const e of rows) {
        const last = households.at(-1);
        if (last && e.householdNo !== null && last.householdNo === e.householdNo)
          last.children.push(e);
        else households.push({ householdNo: e.householdNo, children: [e] });
      }
      const conferences = (await repo.conferences(scope))
        .filter((x) => x.listId === listId)
        .map((x) => ({ id: x.id, heldOn: x.heldOn, title: x.title }));
      await audit(c, "review_list.view", `review_list:${listId}`, null, {
        month: list.month,
        children: entries.length,
        persons: entries.map((e) => e.personId),
      });
      return c.json(
        { list, capacity: await repo.capacity(scope, list.runId), households, conferences },
        200,
      );
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "post",
      path: "/{listId}/check",
      tags: listTags,
      summary: "選んだこどもに当てはまる除外理由（追加の前の確認）",
      request: { params: listParam, body: jsonBody(checkBody) },
      responses: { 200: json(candidateCheckSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { listId } = c.req.valid("param");
      const { picks } = c.req.valid("json");
      const repo = repoOf(c);
      const list = await repo.findList(scope, listId);
      if (!list) return refuseAsNotFound(c, `review_list:${listId}`);
      const checks = await repo.checkCandidates(scope, list.runId, list.month, picks);
      return c.json(
        checks.map((x) => ({ ...x, exclusions: [...x.exclusions] })),
        200,
      );
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "post",
      path: "/{listId}/entries",
      tags: listTags,
      summary: "判定一覧から選んだこどもを候補リストに載せる",
      description:
        "除外理由（要対協で進行管理中・健診後フォロー中・障害児サービス利用中・会議で決定済みで見直し日前）に当てはまるこどもと、月の上限を超える世帯には理由が必要です。候補リスト・会議予定・支援中のケースは載せられません。",
      request: { params: listParam, body: jsonBody(addEntriesBody) },
      responses: { 201: json(listsSchema.shape.lists.element) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { listId } = c.req.valid("param");
      const { picks } = c.req.valid("json");
      const repo = repoOf(c);
      if (!(await repo.findList(scope, listId)))
        return refuseAsNotFound(c, `review_list:${listId}`);
      await repo.addEntries(scope, who(c), listId, picks);
      for (const p of picks)
        await audit(c, "review_list.add", `review_list:${listId}`, p.personId, {
          difficulty: p.difficulty,
          override: Boolean(p.overrideReason),
        });
      const list = await repo.findList(scope, listId);
      if (!list) return refuseAsNotFound(c, `review_list:${listId}`);
      return c.json(list, 201);
    },
  );

/** Mounted at /api/conferences. */
export const conferenceRoutes = createRouter()
  .openapi(
    policyRoute("cases.manage", {
      method: "get",
      path: "/",
      tags: confTags,
      summary: "会議の一覧（新しい順、最大 60 件）",
      responses: { 200: json(conferencesSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const list = await readerAnswer(c.get("deps").db, scope, "conferences", [], () =>
        repoOf(c).conferences(scope),
      );
      return c.json(
        list.map((x) => ({ ...x, attendees: [...x.attendees] })),
        200,
      );
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "post",
      path: "/",
      tags: confTags,
      summary: "候補リストの会議を作る（リストのこどもを議題に載せる）",
      request: { body: jsonBody(createConferenceBody) },
      responses: { 201: json(conferencesSchema.element) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const body = c.req.valid("json");
      const conf = await repoOf(c).createConference(scope, who(c), body);
      await audit(c, "conference.create", `conference:${conf.id}`, null, {
        listId: body.listId,
        heldOn: body.heldOn,
      });
      return c.json({ ...conf, attendees: [...conf.attendees] }, 201);
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "get",
      path: "/{conferenceId}",
      tags: confTags,
      summary: "会議の画面（議題のこどもごとに根拠・経過・決定）",
      description:
        "議題のこどもごとに、判定の根拠（項目と元データ）、ケースの経過、この会議での決定を返します。要対協構成員でない利用者には B01・B02 と要対協のケースを含めません。閲覧は監査ログに記録されます。",
      request: { params: conferenceParam },
      responses: { 200: json(conferenceViewSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { conferenceId } = c.req.valid("param");
      const db = c.get("deps").db;
      // The reader's answer from memory when nothing changed since (reader-answers.ts);
      // the view is audited below either way. Sheet states depend on the day.
      const today = new Date().toISOString().slice(0, 10);
      const view = await readerAnswer(db, scope, "conference", [conferenceId, today], () =>
        createCaseService(db).conferenceView(scope, conferenceId, today),
      );
      if (!view) return refuseAsNotFound(c, `conference:${conferenceId}`);
      await audit(c, "conference.view", `conference:${conferenceId}`, null, {
        cases: view.agenda.map((a) => a.case.id),
        persons: view.agenda.map((a) => a.case.personId),
      });
      return sendAnswer(c, view);
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "post",
      path: "/{conferenceId}/cases/{caseId}/schedule",
      tags: confTags,
      summary: "ケースをこの会議の議題に載せる",
      request: { params: conferenceCaseParam },
      responses: { 200: json(okSchema) },
    }),
    async (c) => {
      const { conferenceId, caseId } = c.req.valid("param");
      const { scope, repo, cs } = await caseInScope(c, caseId, conferenceId);
      await repo.schedule(scope, who(c), conferenceId, caseId);
      await audit(c, "case.schedule", `case:${caseId}`, cs.personId, { conferenceId });
      return c.json({ ok: true as const }, 200);
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "post",
      path: "/{conferenceId}/cases/{caseId}/decision",
      tags: confTags,
      summary: "会議での決定（要支援・調査継続・経過観察・支援不要）",
      description:
        "理由、担当者、次の見直し日（要支援以外は必須）を記録します。決定済みのケースを決め直すことはできません（訂正は新しい記録として残します）。",
      request: { params: conferenceCaseParam, body: jsonBody(decideBody) },
      responses: { 200: json(caseViewSchema.shape.case) },
    }),
    async (c) => {
      const { conferenceId, caseId } = c.req.valid("param");
      const body = c.req.valid("json");
      const { scope, repo, cs } = await caseInScope(c, caseId, conferenceId);
      const after = await repo.decide(scope, who(c), conferenceId, caseId, {
        decision: body.decision,
        reason: body.reason,
        responsibleUserId: body.responsibleUserId,
        reviewOn: body.reviewOn ?? null,
      });
      await audit(c, "case.decide", `case:${caseId}`, cs.personId, {
        conferenceId,
        decision: body.decision,
      });
      const name = (await repo.personName(scope, after.personId)).name;
      return c.json(caseSummary(after, name), 200);
    },
  );

/** Mounted at /api/cases. Fixed paths come before `/{caseId}`. */
export const caseRoutes = createRouter()
  .openapi(
    policyRoute("children.list", {
      method: "get",
      path: "/status",
      tags: caseTags,
      summary: "こどものケースの状態（判定一覧の表示用）",
      description:
        "候補リストに載っている、またはケースが開いているこどもに印を付けるためのものです。要対協のケースは構成員にだけ返します。",
      request: { query: personIdsQuery },
      responses: { 200: json(caseStatusSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { personIds } = c.req.valid("query");
      const rows = await repoOf(c).statusOf(scope, personIds);
      return c.json(
        rows.map((r) => ({
          ...r,
          listMonths: [...r.listMonths],
          stateLabel: CASE_STATE_LABELS[r.state],
        })),
        200,
      );
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "get",
      path: "/assignees",
      tags: caseTags,
      summary: "担当者に選べる利用者（支援担当・コーディネーター）",
      responses: { 200: json(assigneesSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const db = c.get("deps").db;
      const assignees = await readerAnswer(db, scope, "assignees", [], async () =>
        (await createUserRepository(db).list(scope.municipalityId))
          .filter((u) => !u.disabled && u.roles.some((r) => r === "staff" || r === "coordinator"))
          .map((u) => ({ id: u.id, displayName: u.displayName, council: u.council })),
      );
      return c.json(assignees, 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "get",
      path: "/person/{personId}",
      tags: caseTags,
      summary: "こどものケース（こども詳細の表示用）",
      request: { params: personParam },
      responses: { 200: json(personCaseSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { personId } = c.req.valid("param");
      const repo = repoOf(c);
      const cs = await repo.findByPerson(scope, personId);
      if (!cs) return c.json({ case: null }, 200);
      const name = (await repo.personName(scope, personId)).name;
      return c.json({ case: caseSummary(cs, name) }, 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "get",
      path: "/{caseId}",
      tags: caseTags,
      summary: "ケース（経過・支援計画・支援の記録・予定・判定の評価）",
      description: "閲覧は監査ログに記録されます。",
      request: { params: caseParam },
      responses: { 200: json(caseViewSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { caseId } = c.req.valid("param");
      const view = await createCaseService(c.get("deps").db).caseView(scope, caseId);
      if (!view) return refuseAsNotFound(c, `case:${caseId}`);
      await audit(c, "case.view", `case:${caseId}`, view.case.personId);
      return c.json(view, 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/{caseId}/transitions",
      tags: caseTags,
      summary: "ケースの状態を変える（終結・再開・見直し・議題から外す・情報収集）",
      description:
        "状態遷移の規則（domain/cases/state.ts）に合わない操作は 409 と日本語の理由で断ります。終結・再開・議題から外すには理由が必要です。",
      request: { params: caseParam, body: jsonBody(transitionBody) },
      responses: { 200: json(caseViewSchema.shape.case) },
    }),
    async (c) => {
      const { caseId } = c.req.valid("param");
      const { action, reason } = c.req.valid("json");
      const { scope, repo, cs } = await caseInScope(c, caseId);
      if (action !== "request_info" && action !== "relist" && !reason)
        throw new MimamoriError("invalid_input", "理由を入力してください。");
      const after = await repo.act(scope, who(c), caseId, { kind: action }, { reason });
      await audit(c, `case.${action}`, `case:${caseId}`, cs.personId, { reason: Boolean(reason) });
      return c.json(caseSummary(after, (await repo.personName(scope, cs.personId)).name), 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/{caseId}/corrections",
      tags: caseTags,
      summary: "直前の記録を訂正する（新しい記録として残る）",
      request: { params: caseParam, body: jsonBody(correctBody) },
      responses: { 200: json(caseViewSchema.shape.case) },
    }),
    async (c) => {
      const { caseId } = c.req.valid("param");
      const { eventId, reason } = c.req.valid("json");
      const { scope, repo, cs } = await caseInScope(c, caseId);
      const after = await repo.correct(scope, who(c), caseId, eventId, reason);
      await audit(c, "case.correct", `case:${caseId}`, cs.personId, { eventId });
      return c.json(caseSummary(after, (await repo.personName(scope, cs.personId)).name), 200);
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "post",
      path: "/{caseId}/council",
      tags: caseTags,
      summary: "要対協に登録する（以後、構成員だけが見られる）",
      description: "要対協の構成員だけが登録できます（それ以外は 403、監査ログに記録）。",
      request: { params: caseParam, body: jsonBody(councilBody) },
      responses: { 200: json(caseViewSchema.shape.case) },
    }),
    async (c) => {
      const { caseId } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const { scope, repo, cs } = await caseInScope(c, caseId);
      if (!scope.council) {
        await auditRefusal(c, { reason: "scope", target: `case:${caseId}` });
        throw new MimamoriError(
          "forbidden",
          "要対協への登録は要対協の構成員だけができます。構成員の職員に依頼してください。",
        );
      }
      const after = await repo.registerCouncil(scope, who(c), caseId, reason);
      await audit(c, "case.register_council", `case:${caseId}`, cs.personId);
      return c.json(caseSummary(after, (await repo.personName(scope, cs.personId)).name), 200);
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "post",
      path: "/{caseId}/assignment",
      tags: caseTags,
      summary: "担当者を変える",
      request: { params: caseParam, body: jsonBody(assignBody) },
      responses: { 200: json(caseViewSchema.shape.case) },
    }),
    async (c) => {
      const { caseId } = c.req.valid("param");
      const { responsibleUserId, reason } = c.req.valid("json");
      const { scope, repo, cs } = await caseInScope(c, caseId);
      const after = await repo.assign(scope, who(c), caseId, responsibleUserId, reason ?? null);
      await audit(c, "case.assign", `case:${caseId}`, cs.personId, { responsibleUserId });
      return c.json(caseSummary(after, (await repo.personName(scope, cs.personId)).name), 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/{caseId}/plans",
      tags: caseTags,
      summary: "支援計画（目標・担当機関）を記録する（最初の計画で支援中になる）",
      request: { params: caseParam, body: jsonBody(planBody) },
      responses: { 201: json(okSchema) },
    }),
    async (c) => {
      const { caseId } = c.req.valid("param");
      const body = c.req.valid("json");
      const { scope, repo, cs } = await caseInScope(c, caseId);
      await repo.addPlan(scope, who(c), caseId, body);
      await audit(c, "case.plan", `case:${caseId}`, cs.personId);
      return c.json({ ok: true as const }, 201);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/{caseId}/actions",
      tags: caseTags,
      summary: "支援の記録（面談・家庭訪問・関係機関への紹介・所属での見守り・手当申請の案内など）",
      request: { params: caseParam, body: jsonBody(actionBody) },
      responses: { 201: json(okSchema) },
    }),
    async (c) => {
      const { caseId } = c.req.valid("param");
      const body = c.req.valid("json");
      // A record of what was done: never dated after today in Japan (a typo such
      // as 2062 would sort it after every real action of the case).
      const today = new Date(c.get("deps").now().getTime() + 9 * 3600_000)
        .toISOString()
        .slice(0, 10);
      if (body.doneOn > today)
        throw new MimamoriError(
          "invalid_input",
          `実施日（${body.doneOn}）が今日（${today}）より後になっています。支援を行った日を入力してください（これからの予定は「予定を入れる」で記録します）。`,
        );
      const { scope, repo, cs } = await caseInScope(c, caseId);
      await repo.addAction(scope, who(c), caseId, body);
      await audit(c, "case.action", `case:${caseId}`, cs.personId, { kind: body.kind });
      return c.json({ ok: true as const }, 201);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/{caseId}/follow-ups",
      tags: caseTags,
      summary: "予定（期日つき）を入れる。担当者のホーム画面に表示されます",
      request: { params: caseParam, body: jsonBody(followUpBody) },
      responses: { 201: json(okSchema) },
    }),
    async (c) => {
      const { caseId } = c.req.valid("param");
      const body = c.req.valid("json");
      // A follow-up is something still to do: a due date before today in Japan
      // is refused (as a sheet's 回答期限 is) rather than stored as already
      // overdue — it is nearly always a typo (the year, the month), and what
      // was already done is a 支援の記録 (the action above refuses the future).
      const today = new Date(c.get("deps").now().getTime() + 9 * 3600_000)
        .toISOString()
        .slice(0, 10);
      if (body.dueOn < today)
        throw new MimamoriError(
          "invalid_input",
          `期日（${body.dueOn}）が今日（${today}）より前になっています。これからの予定の期日（今日以降）を入力してください（すでに行ったことは「支援の記録」で記録します）。`,
        );
      const { scope, repo, cs } = await caseInScope(c, caseId);
      const id = await repo.addFollowUp(scope, who(c), caseId, body);
      await audit(c, "case.follow_up", `case:${caseId}`, cs.personId, {
        followUpId: id,
        dueOn: body.dueOn,
      });
      return c.json({ ok: true as const }, 201);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/{caseId}/evaluations",
      tags: caseTags,
      summary: "判定結果の評価（当たり・外れ・別の困難）を記録する",
      request: { params: caseParam, body: jsonBody(evaluationBody) },
      responses: { 201: json(okSchema) },
    }),
    async (c) => {
      const { caseId } = c.req.valid("param");
      const body = c.req.valid("json");
      const { scope, repo, cs } = await caseInScope(c, caseId);
      await repo.evaluate(scope, who(c), caseId, {
        runId: body.runId ?? null,
        difficulty: body.difficulty,
        verdict: body.verdict,
        note: body.note ?? null,
      });
      await audit(c, "case.evaluate", `case:${caseId}`, cs.personId, { verdict: body.verdict });
      return c.json({ ok: true as const }, 201);
    },
  );

/** Mounted at /api/follow-ups. */
export const followUpRoutes = createRouter()
  .openapi(
    policyRoute("cases.work", {
      method: "get",
      path: "/mine",
      tags: caseTags,
      summary: "自分が担当する未完了の予定（期日順、ホーム画面）",
      responses: { 200: json(followUpsSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const rows = await readerAnswer(c.get("deps").db, scope, "follow-ups-mine", [], () =>
        repoOf(c).followUps(scope, { assigneeUserId: scope.userId, openOnly: true }),
      );
      return c.json(rows, 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/{followUpId}/done",
      tags: caseTags,
      summary: "予定を完了にする（担当者またはコーディネーター）",
      request: { params: followUpParam, body: jsonBody(doneBody) },
      responses: { 200: json(followUpsSchema.element) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { followUpId } = c.req.valid("param");
      const { note } = c.req.valid("json");
      const done = await repoOf(c).completeFollowUp(scope, followUpId, note);
      if (!done) return refuseAsNotFound(c, `follow_up:${followUpId}`);
      await audit(c, "case.follow_up_done", `case:${done.caseId}`, done.personId, { followUpId });
      return c.json(done, 200);
    },
  );
