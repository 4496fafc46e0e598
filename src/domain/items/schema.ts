/**
 * Validation of a catalog edited by a municipality (JSON or YAML turned into
 * a plain value by the caller). Beyond the shape, every source and column must
 * exist in layouts.md, and each condition must suit its column's type (a
 * number test on a number column, `in` only with the column's own values), so
 * a typo is reported before a run silently finds nothing. All problems are
 * reported at once, in Japanese, with the item they belong to.
 */
import { z } from "zod";
import { MimamoriError } from "../errors.ts";
import { BUILT_IN_SOURCES, findLayout, type Sources } from "../layouts.ts";
import type { SourceId } from "../types.ts";
import { japaneseIssueMessage } from "../zod-messages.ts";
import { type Condition, type Criterion, type ItemCatalog, LEGAL_BASES } from "./catalog.ts";

const sourceId = z.string().min(1) as unknown as z.ZodType<SourceId>;

const condition: z.ZodType<Condition> = z.union([
  z.strictObject({ op: z.literal("true"), column: z.string().min(1) }),
  z.strictObject({
    op: z.literal("in"),
    column: z.string().min(1),
    values: z.array(z.string()).min(1),
  }),
  z.strictObject({
    op: z.enum(["lt", "le", "ge", "gt"]),
    column: z.string().min(1),
    value: z.number().finite(),
  }),
  z.strictObject({ op: z.enum(["blank", "present"]), column: z.string().min(1) }),
  z.strictObject({
    op: z.literal("icd_range"),
    column: z.string().min(1),
    from: z.string().regex(/^[A-Z]\d{2}$/),
    to: z.string().regex(/^[A-Z]\d{2}$/),
  }),
  z.strictObject({
    op: z.literal("fiscal_year_recent"),
    column: z.string().min(1),
    years: z.number().int().min(0).max(20),
  }),
]);

const activity = z.strictObject({
  start: z.string().min(1).nullable(),
  end: z.string().min(1).nullable(),
  endInclusive: z.boolean(),
});

const scope = z.enum(["self", "others", "household", "mother"]);

const criterion: z.ZodType<Criterion> = z.lazy(() =>
  z.union([
    z.strictObject({
      kind: z.literal("record"),
      source: sourceId,
      scope,
      where: z.array(condition),
      active: activity.optional(),
      current: z.strictObject({ key: z.array(z.string()) }).optional(),
      withinMonths: z.number().int().positive().nullable().optional(),
      withinDays: z.number().int().positive().nullable().optional(),
      minRows: z.number().int().min(1).max(1000).optional(),
    }),
    z.strictObject({ kind: z.literal("any_of"), criteria: z.array(criterion).min(1) }),
    z.strictObject({ kind: z.literal("checkup_missed"), kinds: z.array(z.string()).min(1) }),
    z.strictObject({
      kind: z.literal("attendance"),
      column: z.enum(["欠席日数", "遅刻日数"]),
      perYear: z.number().positive().max(366),
      excusedIncluded: z.boolean(),
      minMonths: z.number().min(0).max(12),
      withinSchoolYears: z.number().int().min(0).nullable(),
    }),
    z.strictObject({
      kind: z.literal("school_thinness"),
      maxObesityPercent: z.number().min(-100).max(0),
    }),
    z.strictObject({
      kind: z.literal("child_allowance"),
      receiving: z.array(z.string()).min(1),
    }),
    z.strictObject({
      kind: z.literal("many_children"),
      minChildren: z.number().int().min(1),
      maxAge: z.number().int().min(0).max(18),
    }),
    z.strictObject({ kind: z.literal("moved_in"), withinMonths: z.number().int().positive() }),
    z.strictObject({ kind: z.literal("no_enrolment"), minAge: z.number().int().min(0).max(6) }),
  ]),
);

export const itemDefSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,15}$/),
  name: z.string().min(1),
  level: z.enum(["child", "household", "mother"]),
  sources: z.array(sourceId).min(1),
  criterion,
  basis: z.string(),
  purpose: z.string().optional(),
  legalBasis: z.enum(LEGAL_BASES).optional(),
});

export const catalogSchema = z.strictObject({
  version: z.string().min(1),
  items: z.array(itemDefSchema).min(1),
});

/** Problems of a criterion against layouts.md, in Japanese. */
function checkCriterion(c: Criterion, where: string, out: string[], sources: Sources): void {
  switch (c.kind) {
    case "record": {
      const layout = findLayout(c.source, sources);
      if (!layout) {
        out.push(
          `${where}: 取り込み元「${c.source}」は標準の取り込み元にも、この自治体が定義した取り込み元にもありません（mimamori source list）。`,
        );
        return;
      }
      const columns = new Map(layout.columns.map((col) => [col.name, col]));
      const need = (name: string, what: string) => {
        if (!columns.has(name))
          out.push(`${where}: ${what}の列「${name}」は ${c.source} にありません。`);
        return columns.get(name);
      };
      if (c.scope === "mother" && !sources.motherSources.has(c.source)) {
        out.push(
          `${where}: 範囲 mother は母の行の取り込み元（subject: mother: ${[...sources.motherSources].join("、")}）にだけ使えます（${c.source}）。`,
        );
      }
      if (c.withinMonths != null && c.withinDays != null) {
        out.push(`${where}: withinMonths と withinDays はどちらか1つにしてください。`);
      }
      if ((c.withinMonths != null || c.withinDays != null) && layout.eventDate === null) {
        out.push(
          `${where}: ${c.source} には出来事の日付（eventDate）がないため、期間（withinMonths・withinDays）で絞れません。`,
        );
      }
      for (const cond of c.where) {
        const col = need(cond.column, "条件");
        if (!col) continue;
        const kind = col.type.kind;
        if (cond.op === "true" && kind !== "bool") {
          out.push(`${where}: 「${cond.column}」ははい・いいえの列ではありません。`);
        }
        if (
          (cond.op === "lt" || cond.op === "le" || cond.op === "ge" || cond.op === "gt") &&
          kind !== "number"
        ) {
          out.push(`${where}: 「${cond.column}」は数値の列ではありません。`);
        }
        if (cond.op === "in") {
          if (col.type.kind === "enum") {
            const allowed = col.type.enumeration.values;
            for (const v of cond.values) {
              if (!allowed.includes(v)) {
                out.push(
                  `${where}: 「${v}」は「${cond.column}」の値ではありません（使える値: ${allowed.join("、")}）。`,
                );
              }
            }
          } else if (kind !== "text" && kind !== "id") {
            out.push(`${where}: 「${cond.column}」は値の一覧で比べる列ではありません。`);
          }
        }
        if (cond.op === "icd_range" && kind !== "icd10") {
          out.push(`${where}: 「${cond.column}」は ICD-10 の列ではありません。`);
        }
        if (cond.op === "fiscal_year_recent" && kind !== "fiscal_year") {
          out.push(`${where}: 「${cond.column}」は年度の列ではありません。`);
        }
      }
      for (const col of [c.active?.start, c.active?.end]) {
        if (col == null) continue;
        const def = need(col, "有効期間");
        if (def && def.type.kind !== "date")
          out.push(`${where}: 「${col}」は日付の列ではありません。`);
      }
      for (const col of c.current?.key ?? []) need(col, "最新判定のキー");
      return;
    }
    case "any_of":
      c.criteria.forEach((sub, i) => {
        checkCriterion(sub, `${where} の ${i + 1} 番目の条件`, out, sources);
      });
      return;
    case "checkup_missed": {
      const layout = findLayout("nyuyoji_kenshin");
      const col = layout?.columns.find((x) => x.name === "健診区分");
      if (col?.type.kind === "enum") {
        const allowed = col.type.enumeration.values;
        for (const k of c.kinds) {
          if (!allowed.includes(k))
            out.push(`${where}: 健診区分「${k}」はありません（使える値: ${allowed.join("、")}）。`);
        }
      }
      return;
    }
    case "child_allowance": {
      const allowed = ["全部支給", "一部支給", "全部停止"];
      for (const k of c.receiving) {
        if (!allowed.includes(k))
          out.push(`${where}: 支給区分「${k}」はありません（使える値: ${allowed.join("、")}）。`);
      }
      return;
    }
    default:
      return;
  }
}

/**
 * A catalog from untrusted data; throws `invalid_input` listing every problem.
 */
export function parseCatalog(value: unknown, sources: Sources = BUILT_IN_SOURCES): ItemCatalog {
  const parsed = catalogSchema.safeParse(value);
  if (!parsed.success) {
    throw new MimamoriError(
      "invalid_input",
      "データ項目の定義の形が正しくありません。次の箇所を直してください。",
      parsed.error.issues.map((i) => `${i.path.join(".") || "(全体)"}: ${japaneseIssueMessage(i)}`),
    );
  }
  const catalog = parsed.data as ItemCatalog;
  const problems = catalogProblems(catalog, sources);
  if (problems.length > 0) {
    throw new MimamoriError(
      "invalid_input",
      "データ項目の定義に誤りがあります。次の箇所を直してください。",
      problems,
    );
  }
  return catalog;
}

/** Problems of a well-formed catalog (unknown sources or columns, duplicate ids), in Japanese. */
export function catalogProblems(
  catalog: ItemCatalog,
  sources: Sources = BUILT_IN_SOURCES,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const item of catalog.items) {
    if (seen.has(item.id)) out.push(`項目 ${item.id}: ID が重複しています。`);
    seen.add(item.id);
    for (const src of item.sources) {
      if (!findLayout(src, sources))
        out.push(
          `項目 ${item.id}: 取り込み元「${src}」は標準の取り込み元にも、この自治体が定義した取り込み元にもありません（mimamori source list）。`,
        );
    }
    checkCriterion(item.criterion, `項目 ${item.id}`, out, sources);
  }
  return out;
}
