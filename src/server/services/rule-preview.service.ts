/**
 * Who a rule change moves (issue 11, the rules page's 試算): the latest run's
 * rules and the same rules with the patch applied, turned into the two sides
 * of each type for db/rule-preview.repository.ts, which counts and lists the
 * children in SQL. A type whose changed method is `model` while the run
 * scored it otherwise cannot be recomputed from held items: it is reported
 * as not computable rather than guessed.
 */
import type { Database } from "../../db/database.ts";
import {
  createRulePreviewRepository,
  type MoveCounts,
  type MoveDirection,
  type MoveRow,
  type MoveSide,
  type MoveType,
} from "../../db/rule-preview.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import type { DataScope } from "../../domain/policy/index.ts";
import type { DifficultyId } from "../../domain/scoring/difficulties.ts";
import { applyRulePatch, type RulePatch } from "../../domain/scoring/rule-edit.ts";
import { parseRuleSet } from "../../domain/scoring/rule-schema.ts";
import type { RuleSet, TypeRule } from "../../domain/scoring/rules.ts";
import { loadSources } from "../../pipeline/sources.ts";
import { ensureChildIndex, findRun, type LoadedRun } from "./run-view.service.ts";

export interface TypeMoves {
  readonly difficulty: DifficultyId;
  /** Null: the change makes the type a model the run did not score with (not computable). */
  readonly counts: Omit<MoveCounts, "typeIndex"> | null;
}

export interface RuleMoves {
  readonly run: LoadedRun;
  readonly types: readonly TypeMoves[];
  /** The requested page of one type's moves (when a type was asked for). */
  readonly list: {
    readonly difficulty: DifficultyId;
    readonly direction: MoveDirection;
    readonly total: number;
    readonly rows: readonly MoveRow[];
  } | null;
}

const sideOf = (t: TypeRule): MoveSide => ({
  method: t.method,
  threshold: t.threshold,
  items: t.items.map((i) => ({ itemId: i.itemId, weight: i.weight })),
});

/** The run's types (in score_result order) with their sides before and after the patch. */
function moveTypes(run: LoadedRun, base: RuleSet, next: RuleSet) {
  const types: { difficulty: DifficultyId; type: MoveType | null }[] = [];
  run.difficulties.forEach((d, typeIndex) => {
    const b = base.types.find((t) => t.difficulty === d);
    const a = next.types.find((t) => t.difficulty === d);
    if (!b || !a) return;
    const computable = a.method !== "model" || b.method === "model";
    types.push({
      difficulty: d as DifficultyId,
      type: computable ? { typeIndex, before: sideOf(b), after: sideOf(a) } : null,
    });
  });
  return types;
}

/**
 * Counts per type of the children the patch newly flags and drops on the
 * latest run, and (when `page.difficulty` is given) one page of them.
 */
export async function previewRuleMoves(
  db: Database,
  scope: DataScope,
  patch: RulePatch,
  page: {
    readonly difficulty?: DifficultyId | undefined;
    readonly direction: MoveDirection;
    readonly offset: number;
    readonly limit: number;
  },
): Promise<RuleMoves> {
  const run = await findRun(db, scope.municipalityId, "latest");
  if (!run) {
    throw new MimamoriError(
      "not_found",
      "判定の結果がありません。データを取り込んで判定を実行してから試算してください。",
    );
  }
  const sources = await loadSources(db, scope.municipalityId);
  const base = parseRuleSet(run.rules, sources);
  const next = parseRuleSet(JSON.parse(JSON.stringify(applyRulePatch(base, patch))), sources);
  await ensureChildIndex(db, scope.municipalityId, run);
  const repo = createRulePreviewRepository(db);
  const types = moveTypes(run, base, next);
  const computable = types.flatMap((t) => (t.type ? [t.type] : []));
  const counts = new Map(
    (await repo.countMoves(scope, run.id, computable)).map((c) => [c.typeIndex, c]),
  );
  const result = types.map((t) => {
    const c = t.type && counts.get(t.type.typeIndex);
    return {
      difficulty: t.difficulty,
      counts: c ? { entering: c.entering, leaving: c.leaving } : null,
    };
  });
  let list: RuleMoves["list"] = null;
  if (page.difficulty !== undefined) {
    const wanted = types.find((t) => t.difficulty === page.difficulty);
    if (!wanted) {
      throw new MimamoriError(
        "invalid_input",
        "この類型は最新の判定で使われていません。一覧から類型を選び直してください。",
      );
    }
    const c = wanted.type && counts.get(wanted.type.typeIndex);
    list = {
      difficulty: wanted.difficulty,
      direction: page.direction,
      total: c ? (page.direction === "entering" ? c.entering : c.leaving) : 0,
      rows: wanted.type ? await repo.listMoves(scope, run, wanted.type, page.direction, page) : [],
    };
  }
  return { run, types: result, list };
}
