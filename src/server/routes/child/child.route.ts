/**
 * こども詳細, 世帯, 検索 and the home page's flagged children (issue 11).
 * Every route reads through the child service with the request's scope; a
 * child or household outside it is answered like a missing one
 * (refuseAsNotFound, audited); every view and search is audited.
 */
import { createAuditRepository } from "../../../db/audit.repository.ts";
import type { Database } from "../../../db/database.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { type Actor, can } from "../../../domain/policy/index.ts";
import { maskingOf } from "../../openapi/identity.ts";
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  policyRoute,
  refuseAsNotFound,
  scopeOfRequest,
} from "../../openapi/route.ts";
import { createChildService } from "../../services/child.service.ts";
import {
  childViewSchema,
  householdParam,
  householdSchema,
  personParam,
  searchQuery,
  searchResultSchema,
  topFlaggedSchema,
  topQuery,
} from "./schema.ts";

async function auditView(
  db: Database,
  actor: Actor,
  from: string,
  action: string,
  target: string,
  personId: string | null,
  detail: Record<string, unknown> = {},
) {
  await createAuditRepository(db).append({
    municipalityId: actor.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action,
    target,
    personId,
    clientAddress: from,
    detail: { ...detail, from },
  });
}

/** Mounted at /api/children. The fixed path comes before `/{personId}`. */
export const childRoutes = createRouter()
  .openapi(
    policyRoute("children.list", {
      method: "get",
      path: "/top-flagged",
      tags: ["こども"],
      summary: "最新の判定で基準以上のこども（優先順: 点数、合計点、年齢）",
      description:
        "ホーム画面の一覧。要対協構成員でない利用者には、要対協・一時保護の項目を除いた点数で並べます。",
      request: { query: topQuery },
      responses: { 200: json(topFlaggedSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const db = c.get("deps").db;
      const { limit } = c.req.valid("query");
      const result = await createChildService(db).topFlagged(scopeOfRequest(c), limit);
      await auditView(
        db,
        actor,
        clientAddress(c),
        "children.list",
        `score_run:${result.run?.scoreRunId ?? "-"}`,
        null,
        {
          view: "top_flagged",
          rows: result.children.length,
          persons: result.children.map((x) => x.personId),
        },
      );
      return c.json(result, 200);
    },
  )
  .openapi(
    policyRoute("children.view", {
      method: "get",
      path: "/{personId}",
      tags: ["こども"],
      summary: "こども詳細（判定の内訳と根拠、つながった記録、名寄せの説明、点数の推移、世帯）",
      description:
        "閲覧できないこどもは、存在しないこどもと同じく 404 を返します（監査ログに記録）。要対協・一時保護の情報は構成員にだけ含まれます。",
      request: { params: personParam },
      responses: { 200: json(childViewSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const db = c.get("deps").db;
      const { personId } = c.req.valid("param");
      const { set } = await maskingOf(c);
      const view = await createChildService(db).view(scope, actor.roles, personId, set.label);
      if (view === "usage_stopped") {
        // A child of the reader's scope under a 利用停止: the attempt is audited and the reason given.
        await auditView(db, actor, clientAddress(c), "child.view", `person:${personId}`, personId, {
          usageStopped: true,
          council: scope.council,
        });
        throw new MimamoriError(
          "not_found",
          "このこどもは利用停止中のため、判定・記録・世帯を表示しません。利用停止の記録と解除は「開示・訂正・利用停止」の画面で確認してください。",
        );
      }
      if (!view)
        return refuseAsNotFound(
          c,
          `person:${personId}`,
          // Point to what the role can do: a 所属 account has no search.
          can(actor, "children.search")
            ? "指定されたこどもは見つかりません（閲覧できる範囲にいない場合も同じです）。検索からもう一度探してください。"
            : "指定されたこどもは見つかりません（閲覧できる範囲にいない場合も同じです）。届いた情報収集シートの一覧から開き直してください。",
        );
      await auditView(db, actor, clientAddress(c), "child.view", `person:${personId}`, personId, {
        scoreRun: view.run.scoreRunId,
        records: view.records.length,
        council: scope.council,
      });
      return c.json(view, 200);
    },
  );

/** Mounted at /api/households. */
export const householdRoutes = createRouter().openapi(
  policyRoute("households.view", {
    method: "get",
    path: "/{householdNo}",
    tags: ["こども"],
    summary: "世帯（住民基本台帳の世帯員、続柄・年齢、関係する項目、転入・転出、家族図）",
    description:
      "閲覧できるこどもがいない世帯は、存在しない世帯と同じく 404 を返します（監査ログに記録）。",
    request: { params: householdParam },
    responses: { 200: json(householdSchema) },
  }),
  async (c) => {
    const actor = actorOf(c);
    const db = c.get("deps").db;
    const { householdNo } = c.req.valid("param");
    const view = await createChildService(db).household(scopeOfRequest(c), householdNo);
    if (!view)
      return refuseAsNotFound(
        c,
        `household:${householdNo}`,
        "指定された世帯は見つかりません（閲覧できる範囲にない場合も同じです）。こども詳細から開き直してください。",
      );
    await auditView(
      db,
      actor,
      clientAddress(c),
      "household.view",
      `household:${householdNo}`,
      null,
      {
        members: view.members.length,
        persons: view.members.map((m) => m.personId),
      },
    );
    return c.json(view, 200);
  },
);

/** Mounted at /api/search. */
export const searchRoutes = createRouter().openapi(
  policyRoute("children.search", {
    method: "get",
    path: "/",
    tags: ["こども"],
    summary: "こどもの検索（氏名・生年月日・宛名番号）",
    description:
      "氏名は異体字・全角半角・ひらがな/カタカナ・小書きの違いを区別せず、前方一致で探します。閲覧できる範囲のこどもだけを返します。検索語そのものは監査ログに残さず、検索の種類と件数だけを記録します。",
    request: { query: searchQuery },
    responses: { 200: json(searchResultSchema) },
  }),
  async (c) => {
    const actor = actorOf(c);
    const db = c.get("deps").db;
    const { q, limit, offset } = c.req.valid("query");
    const result = await createChildService(db).search(scopeOfRequest(c), q, { limit, offset });
    // The query is personal data, and an unsalted hash of a name is easily
    // reversed from a name list: the trail keeps what kind of search it was
    // and how many children it found, never the text.
    await auditView(db, actor, clientAddress(c), "children.search", `search:${result.kind}`, null, {
      kind: result.kind,
      hits: result.total,
      offset,
      persons: result.hits.map((h) => h.personId),
    });
    return c.json(result, 200);
  },
);
