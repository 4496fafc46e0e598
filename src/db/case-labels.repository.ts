/**
 * The screening workflow's records read as labels for the validation report
 * (issue 13 "feedback into the engine", pipeline/validation.ts):
 * - the funnel's later stages per run and type (selected for a conference,
 *   its decisions, support started), from the case tables;
 * - each listed child's conference decision about run R (precision at
 *   capacity against decisions);
 * - later 要対協 registration of run R's children across runs (council only:
 *   the caller asks only for a member's report).
 *
 * A corrected event (one a `correct` event points at) no longer counts.
 * Council cases: `council: false` leaves out council cases and, for the
 * funnel, children holding B01/B02 in the run (their non-member flags differ),
 * so that counts never exceed the non-member funnel's 掲載 column. The report
 * is built with council visibility (validation-view.service.ts), so the
 * filter is explicit here, not left to row-level security.
 */
import { sql } from "kysely";
import type { Decision } from "../domain/cases/state.ts";
import { COUNCIL_ONLY_ITEMS } from "../domain/policy/index.ts";
import { councilExclusionReasons } from "../domain/scoring/council-exclusions.ts";
import type { RuleSet } from "../domain/scoring/rules.ts";
import type { Database } from "./database.ts";

export interface ScreeningCountRow {
  readonly runId: number;
  readonly difficulty: string;
  readonly selected: number;
  readonly decisions: Readonly<Record<Decision, number>>;
  readonly supportStarted: number;
}

export interface DecisionLabelRow {
  readonly personId: string;
  readonly difficulty: string;
  readonly decision: Decision;
}

/** Live (not corrected) events of the municipality, with the list of their conference. */
const liveEvents = (municipalityId: number) => sql`
  SELECT ce.case_id, ce.action, ce.decision, ce.id, c.list_id AS conf_list
    FROM case_event ce LEFT JOIN conference c ON c.municipality_id = ce.municipality_id AND c.id = ce.conference_id
   WHERE ce.municipality_id = ${municipalityId}
     AND NOT EXISTS (SELECT 1 FROM case_event x WHERE x.corrects_id = ce.id)`;

export function createCaseLabelRepository(db: Database) {
  return {
    /** The newest case event's id (0 when none): changes whenever a label may change. */
    async version(municipalityId: number): Promise<number> {
      const r = await sql<{ n: number }>`
        SELECT coalesce(max(id), 0)::int AS n FROM case_event
         WHERE municipality_id = ${municipalityId}`.execute(db);
      return r.rows[0]?.n ?? 0;
    },

    /** Runs that have at least one 候補リスト (their funnel stages are recorded, possibly 0). */
    async runsWithLists(municipalityId: number): Promise<number[]> {
      const r = await sql<{ run_id: number }>`
        SELECT DISTINCT run_id FROM review_list WHERE municipality_id = ${municipalityId}
         ORDER BY run_id`.execute(db);
      return r.rows.map((x) => x.run_id);
    },

    /**
     * Per run and type, of the children on the run's lists who were flagged
     * and not excluded by the run (the funnel's 掲載): on a conference agenda
     * of their list, its decision there, and a support plan after 要支援 or
     * 調査継続.
     */
    async screeningCounts(municipalityId: number, council: boolean): Promise<ScreeningCountRow[]> {
      // A non-member's 掲載 counts a child excluded only by 要対協 as listed,
      // as their 判定一覧 does (run-view.repository resultsCte).
      const hiddenReasons = council
        ? []
        : [
            ...new Set(
              (
                await sql<{ rules: RuleSet }>`
                  SELECT rules FROM rule_version WHERE municipality_id = ${municipalityId}`.execute(
                  db,
                )
              ).rows.flatMap((x) => councilExclusionReasons(x.rules)),
            ),
            ...councilExclusionReasons(undefined),
          ];
      const r = await sql<{
        run_id: number;
        difficulty: string;
        selected: number;
        support: number;
        investigate: number;
        watch: number;
        no_support: number;
        support_started: number;
      }>`
        WITH ev AS (${liveEvents(municipalityId)}),
        e AS (
          SELECT DISTINCT ON (l.run_id, en.person_id, en.difficulty)
                 l.run_id, en.person_id, en.difficulty, en.case_id, en.list_id
            FROM review_list_entry en
            JOIN review_list l ON l.municipality_id = en.municipality_id AND l.id = en.list_id
            JOIN child_case cc ON cc.municipality_id = en.municipality_id AND cc.id = en.case_id
            JOIN score_result sr ON sr.municipality_id = l.municipality_id AND sr.run_id = l.run_id AND sr.person_id = en.person_id
                                AND sr.difficulty = en.difficulty
           WHERE en.municipality_id = ${municipalityId}
             AND sr.flagged
             AND cardinality(ARRAY(SELECT x FROM unnest(sr.excluded_by) x
                                    WHERE x <> ALL(${hiddenReasons}::text[]))) = 0
             AND (${council} OR (NOT cc.council AND NOT EXISTS (
                  SELECT 1 FROM score_item si WHERE si.run_id = l.run_id AND si.person_id = en.person_id
                     AND si.item_id = ANY(${[...COUNCIL_ONLY_ITEMS]}::text[]))))
           ORDER BY l.run_id, en.person_id, en.difficulty, en.list_id DESC
        ),
        s AS (
          SELECT e.run_id, e.difficulty,
            EXISTS (SELECT 1 FROM ev WHERE ev.case_id = e.case_id AND ev.action = 'schedule'
                     AND ev.conf_list = e.list_id) AS selected,
            (SELECT ev.decision FROM ev WHERE ev.case_id = e.case_id AND ev.action = 'decide'
                AND ev.conf_list = e.list_id ORDER BY ev.id DESC LIMIT 1) AS decision,
            EXISTS (SELECT 1 FROM support_plan sp WHERE sp.case_id = e.case_id) AS planned
          FROM e
        )
        SELECT run_id, difficulty,
          count(*) FILTER (WHERE selected)::int AS selected,
          count(*) FILTER (WHERE selected AND decision = 'support')::int AS support,
          count(*) FILTER (WHERE selected AND decision = 'investigate')::int AS investigate,
          count(*) FILTER (WHERE selected AND decision = 'watch')::int AS watch,
          count(*) FILTER (WHERE selected AND decision = 'no_support')::int AS no_support,
          count(*) FILTER (WHERE selected AND decision IN ('support', 'investigate') AND planned)::int
            AS support_started
          FROM s GROUP BY run_id, difficulty ORDER BY run_id, difficulty`.execute(db);
      return r.rows.map((x) => ({
        runId: x.run_id,
        difficulty: x.difficulty,
        selected: x.selected,
        decisions: {
          support: x.support,
          investigate: x.investigate,
          watch: x.watch,
          no_support: x.no_support,
        },
        supportStarted: x.support_started,
      }));
    },

    /** Each child listed from run `runId` (per type) with its live decision in a conference of that list. */
    async decisionLabels(
      municipalityId: number,
      runId: number,
      council: boolean,
    ): Promise<DecisionLabelRow[]> {
      const r = await sql<{ person_id: string; difficulty: string; decision: Decision }>`
        WITH ev AS (${liveEvents(municipalityId)})
        SELECT person_id, difficulty, decision FROM (
          SELECT DISTINCT ON (en.person_id, en.difficulty) en.person_id, en.difficulty,
            (SELECT ev.decision FROM ev WHERE ev.case_id = en.case_id AND ev.action = 'decide'
                AND ev.conf_list = en.list_id ORDER BY ev.id DESC LIMIT 1) AS decision
            FROM review_list_entry en
            JOIN review_list l ON l.municipality_id = en.municipality_id AND l.id = en.list_id
            JOIN child_case cc ON cc.municipality_id = en.municipality_id AND cc.id = en.case_id
           WHERE l.run_id = ${runId} AND en.municipality_id = ${municipalityId}
             AND (${council} OR NOT cc.council)
           ORDER BY en.person_id, en.difficulty, en.list_id DESC
        ) x WHERE decision IS NOT NULL ORDER BY person_id, difficulty`.execute(db);
      return r.rows.map((x) => ({
        personId: x.person_id,
        difficulty: x.difficulty,
        decision: x.decision,
      }));
    },

    /**
     * 要対協 registration after run `runId` (council members' report only):
     * the children who hold B01 at the run, those registered later (B01 in a
     * later completed run, or a case registered with the council after the
     * run), and how many later runs there are.
     */
    async laterCouncil(
      municipalityId: number,
      runId: number,
    ): Promise<{ laterRuns: number; heldAtRun: string[]; later: string[] }> {
      const [runs, held, later] = await Promise.all([
        sql<{ n: number }>`
          SELECT count(*)::int AS n FROM score_run WHERE municipality_id = ${municipalityId}
             AND id > ${runId} AND completed_at IS NOT NULL`.execute(db),
        sql<{ person_id: string }>`
          SELECT DISTINCT person_id FROM score_item WHERE run_id = ${runId}
             AND municipality_id = ${municipalityId} AND item_id = 'B01'`.execute(db),
        sql<{ person_id: string }>`
          SELECT DISTINCT si.person_id FROM score_item si JOIN score_run s ON s.municipality_id = si.municipality_id AND s.id = si.run_id
           WHERE si.municipality_id = ${municipalityId} AND s.id > ${runId}
             AND s.completed_at IS NOT NULL AND si.item_id = 'B01'
          UNION
          SELECT cc.person_id FROM case_event ce JOIN child_case cc ON cc.municipality_id = ce.municipality_id AND cc.id = ce.case_id
           WHERE ce.municipality_id = ${municipalityId} AND ce.action = 'register_council'
             AND ce.at > (SELECT completed_at FROM score_run WHERE id = ${runId})
             AND NOT EXISTS (SELECT 1 FROM case_event x WHERE x.corrects_id = ce.id)`.execute(db),
      ]);
      return {
        laterRuns: runs.rows[0]?.n ?? 0,
        heldAtRun: held.rows.map((x) => x.person_id),
        later: later.rows.map((x) => x.person_id),
      };
    },
  };
}

export type CaseLabelRepository = ReturnType<typeof createCaseLabelRepository>;
