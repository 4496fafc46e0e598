/**
 * Helpers shared by the generator's tests (not used by the generator): an independent check of
 * the date spellings layouts.md allows, and the layouts.md headers parsed from the spec.
 */

const ERA_START: Record<string, [number, number, number]> = {
  明治: [1868, 1, 25],
  大正: [1912, 7, 30],
  昭和: [1926, 12, 25],
  平成: [1989, 1, 8],
  令和: [2019, 5, 1],
};
const LETTER: Record<string, string> = { M: "明治", T: "大正", S: "昭和", H: "平成", R: "令和" };
const NEXT: Record<string, string> = { 明治: "大正", 大正: "昭和", 昭和: "平成", 平成: "令和" };

function real(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function key(y: number, m: number, d: number): number {
  return y * 10000 + m * 100 + d;
}

function wareki(era: string, year: number, m: number, d: number): boolean {
  const start = ERA_START[era];
  if (!start || year < 1) return false;
  const y = start[0] + year - 1;
  if (!real(y, m, d)) return false;
  const k = key(y, m, d);
  if (k < key(...start)) return false;
  const next = NEXT[era];
  const end = next ? ERA_START[next] : undefined;
  return end === undefined || k < key(...end);
}

/**
 * True when `value` is a real date in one of the forms layouts.md lists: 2024-04-01, 2024/4/1,
 * 20240401, 令和6年4月1日 (元年), R6.4.1, R06.04.01, full-width digits allowed.
 */
export function isLayoutDate(value: string): boolean {
  const s = value.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  let m =
    /^(\d{4})-(\d{2})-(\d{2})$/.exec(s) ??
    /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(s) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return real(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(明治|大正|昭和|平成|令和)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日$/.exec(s);
  if (m)
    return wareki(m[1] as string, m[2] === "元" ? 1 : Number(m[2]), Number(m[3]), Number(m[4]));
  m = /^([MTSHR])(\d{1,2})\.(\d{1,2})\.(\d{1,2})$/.exec(s);
  if (m) return wareki(LETTER[m[1] as string] as string, Number(m[2]), Number(m[3]), Number(m[4]));
  return false;
}

/** Splits a layouts.md column list on commas outside parentheses. */
function splitColumns(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of list) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((c) => c.trim()).filter((c) => c !== "");
}

/** Source id → { columns, required } from the "## Sources" table of spec/layouts.md. */
export function parseLayouts(
  markdown: string,
): Map<string, { columns: string[]; required: string[] }> {
  const out = new Map<string, { columns: string[]; required: string[] }>();
  const section = markdown.split("## Sources")[1]?.split("\n## ")[0] ?? "";
  for (const line of section.split("\n")) {
    const m = /^\|\s*([a-z_]+)\s*\|[^|]*\|(.*)\|\s*$/.exec(line);
    if (!m || m[1] === "id") continue;
    const cols = splitColumns(m[2] as string).map((c) => c.replace(/\s*\(.*\)$/, "").trim());
    out.set(m[1] as string, {
      columns: cols.map((c) => c.replace(/\*$/, "")),
      required: cols.filter((c) => c.endsWith("*")).map((c) => c.slice(0, -1)),
    });
  }
  return out;
}

/** Minimal RFC 4180 parser for the generated files (quoted fields, no embedded newlines needed). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}
