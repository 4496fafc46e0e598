/**
 * Monthly runs from the web app (issue 16): start one (the same engine and
 * lock as `mimamori run`, pipeline/run.ts), list runs, poll one for its
 * progress by stage. The run itself continues after the response (202).
 */
import type { RunJob } from "../../../db/run-job.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import type { DataScope } from "../../../domain/policy/index.ts";
import type { IsoDate } from "../../../domain/types.ts";
import { getRunJob, listRunJobs, startMonthlyRun } from "../../../pipeline/run.ts";
import { RUN_STAGE_NAMES, RUN_STAGES, type RunStage } from "../../../pipeline/stages.ts";
import {
  ApiErrorSchema,
  actorOf,
  createRouter,
  json,
  jsonBody,
  policyRoute,
  scopeOfRequest,
} from "../../openapi/route.ts";
import {
  type RunJobView,
  runIdParam,
  runJobSchema,
  runListSchema,
  runsQuery,
  startRunBody,
} from "./schema.ts";

const tags = ["月次実行"];

/**
 * Counts that can carry 要対協 facts (items held include B01/B02; flagged
 * children include those flagged through them): council members only.
 */
const COUNCIL_ONLY_COUNTS: Partial<Record<RunStage, readonly string[]>> = {
  evaluate: ["items"],
  score: ["flagged"],
  store_scores: ["items"],
};

/** A job as the web app shows it: every stage with its state and counts. */
export function viewOfJob(job: RunJob, scope: Pick<DataScope, "council">): RunJobView {
  const current = job.stage === null ? -1 : RUN_STAGES.indexOf(job.stage as RunStage);
  const stages = RUN_STAGES.map((id, i) => {
    const raw = job.counts[id];
    let counts: Record<string, number> | null = raw ? { ...raw } : null;
    if (counts && !scope.council) {
      for (const k of COUNCIL_ONLY_COUNTS[id] ?? []) delete counts[k];
    }
    const state: "pending" | "running" | "done" | "failed" =
      job.state === "succeeded" || raw !== undefined
        ? "done"
        : i === current
          ? job.state === "failed"
            ? "failed"
            : "running"
          : "pending";
    if (state === "pending") counts = null;
    return { id, name: RUN_STAGE_NAMES[id], state, counts } as const;
  });
  return {
    id: job.id,
    state: job.state,
    stage: job.stage,
    stages,
    asOf: job.asOf,
    actor: job.actor,
    origin: job.origin,
    startedAt: job.startedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    error: job.error,
    linkRunId: job.linkRunId,
    scoreRunId: job.scoreRunId,
  };
}

export const runJobRoutes = createRouter()
  .openapi(
    policyRoute("runs.start", {
      method: "post",
      path: "/",
      tags,
      summary: "月次実行（名寄せ・判定）を開始",
      description:
        "取込と名寄せの確認の後に、名寄せ・データ項目の判定・点数を実行します。同時に実行できるのは自治体ごとに 1 つだけで、実行中なら 409 と、誰がいつ開始したかを返します。実行は応答の後も続きます（GET /run-jobs/{id} で進み具合を確認）。",
      request: { body: jsonBody(startRunBody) },
      responses: {
        202: json(runJobSchema, "開始しました"),
        409: {
          description: "別の実行が進行中",
          content: { "application/json": { schema: ApiErrorSchema } },
        },
      },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const deps = c.get("deps");
      const started = await startMonthlyRun(
        { db: deps.db, url: deps.databaseUrl },
        {
          municipalityId: actor.municipalityId,
          ...(body.asOf === undefined ? {} : { asOf: body.asOf as IsoDate }),
          actor: { userId: actor.userId, loginName: actor.loginName },
          origin: "web",
        },
      );
      started.done.catch((e: unknown) => {
        // Recorded in the job (failed, with the Japanese message); logged for the operator.
        deps.logger.warn(
          { err: e instanceof Error ? e.message : String(e), job: started.jobId },
          "run failed",
        );
      });
      const job = await getRunJob({ db: deps.db }, actor.municipalityId, started.jobId);
      if (!job) throw new MimamoriError("internal", "実行の記録が見つかりません。");
      return c.json(viewOfJob(job, scopeOfRequest(c)), 202);
    },
  )
  .openapi(
    policyRoute("runs.view", {
      method: "get",
      path: "/",
      tags,
      summary: "月次実行の一覧（新しい順）と実行中のもの",
      request: { query: runsQuery },
      responses: { 200: json(runListSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const { limit } = c.req.valid("query");
      const jobs = await listRunJobs({ db: c.get("deps").db }, actor.municipalityId, limit);
      const running = jobs.find((j) => j.state === "running");
      return c.json(
        {
          jobs: jobs.map((j) => viewOfJob(j, scope)),
          running: running ? viewOfJob(running, scope) : null,
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("runs.view", {
      method: "get",
      path: "/{id}",
      tags,
      summary: "月次実行の進み具合と結果",
      request: { params: runIdParam },
      responses: { 200: json(runJobSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { id } = c.req.valid("param");
      const job = await getRunJob({ db: c.get("deps").db }, actor.municipalityId, id);
      if (!job) throw new MimamoriError("not_found", `実行番号 ${id} の実行はありません。`);
      return c.json(viewOfJob(job, scopeOfRequest(c)), 200);
    },
  );
