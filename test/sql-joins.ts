/**
 * A static check (issue 12, distribution by municipality_id): every join
 * between two municipal tables in src/db/*.repository.ts carries
 * municipality_id, so that on a Citus-style deployment each join stays on one
 * node (co-located shards) and, on one server, the planner can use the keys
 * that migration 0096 widened. Scanned:
 *
 * - raw SQL: `[INNER|LEFT|RIGHT|FULL] JOIN table [AS] alias ON … | USING (…)`;
 *   the join is checked when the joined table and another table its condition
 *   names are both municipal (aliases resolved from the file's FROM / JOIN
 *   clauses);
 * - Kysely: `.innerJoin / .leftJoin / .rightJoin / .fullJoin("table as a", …)`,
 *   the callback form `(j) => j.onRef(…)` or the three-argument form.
 *
 * Not seen: joins on CTEs, subqueries and LATERAL (their own FROM / JOIN
 * inside are seen), and comma joins in FROM. Exceptions go in ALLOWED with a
 * reason.
 */

export interface JoinFinding {
  file: string;
  line: number;
  table: string;
  /** The joined table's alias, and an alias of another municipal table the condition names. */
  alias: string;
  other: string;
  /** Offset of the match in the file. */
  index: number;
  text: string;
}

/** `file:table:needle` → why a join without municipality_id is right there. */
export const ALLOWED: Readonly<Record<string, string>> = {};

const RAW_JOIN =
  /\b(?:INNER\s+|LEFT\s+(?:OUTER\s+)?|RIGHT\s+(?:OUTER\s+)?|FULL\s+(?:OUTER\s+)?|CROSS\s+)?JOIN\s+([a-z_][a-z0-9_]*)(?:\s+(?:AS\s+)?(?!ON\b|USING\b)([a-z_][a-z0-9_]*))?\s+(ON|USING)\b/gi;
const CLAUSE_END =
  /\b(?:(?:INNER|LEFT|RIGHT|FULL|CROSS)\s+(?:OUTER\s+)?)?JOIN\b|\bWHERE\b|\bGROUP\s+BY\b|\bORDER\s+BY\b|\bLIMIT\b|\bUNION\b|\bRETURNING\b|\bWINDOW\b|\bHAVING\b|`|;/i;
const FROM_ALIAS =
  /\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_][a-z0-9_]*)(?:\s+(?:AS\s+)?(?!ON\b|USING\b|WHERE\b|SET\b|JOIN\b|LEFT\b|INNER\b|GROUP\b|ORDER\b|LIMIT\b|CROSS\b|RIGHT\b|FULL\b|VALUES\b)([a-z_][a-z0-9_]*))?/gi;
const KYSELY_FROM =
  /\.(?:selectFrom|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin)\(\s*["'`]([a-z_]+)(?:\s+as\s+([a-z_]+))?["'`]/g;
const KYSELY_JOIN =
  /\.(innerJoin|leftJoin|rightJoin|fullJoin)\(\s*["'`]([a-z_]+)(?:\s+as\s+([a-z_]+))?["'`]/g;

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split("\n").length;
}

/** The text of a call's arguments from `start` (just after the opening paren) to its closing one. */
function argumentsFrom(source: string, start: number): string {
  let depth = 1;
  for (let i = start; i < source.length; i++) {
    const ch = source[i];
    if (ch === "(") depth++;
    else if (ch === ")") {
      depth--;
      if (depth === 0) return source.slice(start, i);
    }
  }
  return source.slice(start);
}

function aliases(source: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of source.matchAll(FROM_ALIAS)) {
    const table = (m[1] as string).toLowerCase();
    map.set(table, table);
    if (m[2]) map.set(m[2].toLowerCase(), table);
  }
  for (const m of source.matchAll(KYSELY_FROM)) {
    const table = m[1] as string;
    map.set(table, table);
    if (m[2]) map.set(m[2], table);
  }
  return map;
}

/** [alias, table] the condition refers to through `alias.column` (the joined one excepted). */
function others(condition: string, joined: string, map: Map<string, string>): [string, string][] {
  const out: [string, string][] = [];
  for (const m of condition.matchAll(/\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)/gi)) {
    const alias = (m[1] as string).toLowerCase();
    if (alias === joined) continue;
    const table = map.get(alias);
    if (table) out.push([alias, table]);
  }
  return out;
}

export function findJoins(
  file: string,
  source: string,
  municipal: ReadonlySet<string>,
): JoinFinding[] {
  const map = aliases(source);
  const findings: JoinFinding[] = [];
  for (const m of source.matchAll(RAW_JOIN)) {
    const table = (m[1] as string).toLowerCase();
    if (!municipal.has(table)) continue;
    const alias = (m[2] ?? table).toLowerCase();
    const start = (m.index ?? 0) + m[0].length;
    const rest = source.slice(start);
    const end = rest.search(CLAUSE_END);
    const condition = end === -1 ? rest : rest.slice(0, end);
    if (/municipality_id/.test(condition)) continue;
    const other = others(condition, alias, map).find(([, t]) => municipal.has(t));
    if (!other) continue;
    findings.push({
      file,
      line: lineOf(source, m.index ?? 0),
      table,
      alias,
      other: other[0],
      index: m.index ?? 0,
      text: `${m[0]} ${condition}`.replace(/\s+/g, " ").trim().slice(0, 160),
    });
  }
  for (const m of source.matchAll(KYSELY_JOIN)) {
    const table = m[2] as string;
    if (!municipal.has(table)) continue;
    const alias = m[3] ?? table;
    const args = argumentsFrom(
      source,
      (m.index ?? 0) + m[0].length - m[0].length + m[0].indexOf("(") + 1,
    );
    if (/municipality_id/.test(args)) continue;
    const other = others(args.slice(args.indexOf(",")), alias, map).find(([, t]) =>
      municipal.has(t),
    );
    if (!other) continue;
    findings.push({
      file,
      line: lineOf(source, m.index ?? 0),
      table,
      alias,
      other: other[0],
      index: m.index ?? 0,
      text: `.${m[1]}(${args})`.replace(/\s+/g, " ").trim().slice(0, 160),
    });
  }
  return findings.filter(
    (f) =>
      !Object.keys(ALLOWED).some((k) => {
        const [file, table, needle] = k.split(":");
        return (
          f.file.endsWith(file as string) && f.table === table && f.text.includes(needle ?? "")
        );
      }),
  );
}
