/**
 * Mapping files: how a department's own export layout maps onto a canonical
 * layout of layouts.md ("Other layouts … import through a mapping file that
 * renames columns and recodes values onto these"). A mapping is YAML written
 * by people, so every problem is reported at once, in Japanese, with where it
 * is. Parsing is pure: the caller reads the file.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { MimamoriError } from "./errors.ts";
import { DATE_FORMAT_HINTS, type DateFormatHint } from "./ja/date.ts";
import {
  BUILT_IN_SOURCES,
  describeSources,
  findLayout,
  normalizeHeader,
  type Sources,
} from "./layouts.ts";
import type { SourceId } from "./types.ts";

export interface Mapping {
  /** Free text for people: which system and version the mapping is for. */
  readonly description?: string;
  /** The canonical source every file read with this mapping holds. */
  readonly source?: SourceId;
  /** Force an encoding instead of detecting it. */
  readonly encoding?: "utf-8" | "cp932";
  /** Lines above the header row to skip (titles, print dates). */
  readonly skipRows: number;
  /** File header → canonical column name. */
  readonly columns: Readonly<Record<string, string>>;
  /** Canonical column → (file value → canonical value), applied before the value is parsed. */
  readonly values: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Canonical column (or `*` for every date column) → how to read its dates. */
  readonly dates: Readonly<Record<string, DateFormatHint>>;
  /** Canonical column → a value used on every row (e.g. 学校名 of a one-school export). */
  readonly constants: Readonly<Record<string, string>>;
}

export const EMPTY_MAPPING: Mapping = {
  skipRows: 0,
  columns: {},
  values: {},
  dates: {},
  constants: {},
};

const KEYS = [
  "description",
  "source",
  "encoding",
  "skip_rows",
  "columns",
  "values",
  "dates",
  "constants",
];

const table = z.record(z.string(), z.string());
const schema = z.strictObject({
  description: z.string().optional(),
  source: z.string().optional(),
  encoding: z.enum(["utf-8", "cp932"]).optional(),
  skip_rows: z
    .string()
    .regex(/^\d{1,3}$/)
    .optional(),
  columns: table.optional(),
  values: z.record(z.string(), table).optional(),
  dates: z
    .record(z.string(), z.enum(DATE_FORMAT_HINTS as [DateFormatHint, ...DateFormatHint[]]))
    .optional(),
  constants: table.optional(),
});

function issueText(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join(".") : "(全体)";
  switch (issue.code) {
    case "unrecognized_keys":
      return `${where}: 知らない項目「${issue.keys.join("、")}」があります（使える項目: ${KEYS.join(", ")}）。`;
    case "invalid_value":
      return `${where}: 使える値は ${issue.values.map(String).join(", ")} です。`;
    case "invalid_format":
      return `${where}: 0〜999 の整数にしてください。`;
    case "invalid_type":
      return issue.expected === "record" || issue.expected === "object"
        ? `${where}: 「名前: 値」の対応表にしてください。`
        : `${where}: 1つの値（文字列）にしてください。`;
    default:
      return `${where}: 正しくありません。`;
  }
}

/**
 * Parses a mapping file's text. Throws MimamoriError (`invalid_input`) listing
 * every problem, with `origin` (the file name) in the message.
 */
export function parseMapping(
  text: string,
  origin = "マッピングファイル",
  sources: Sources = BUILT_IN_SOURCES,
): Mapping {
  let doc: unknown;
  try {
    // The failsafe schema keeps every scalar a string: `01: 3-4か月児` stays "01", not 1.
    doc = parseYaml(text, { schema: "failsafe" }) ?? {};
  } catch (e) {
    throw new MimamoriError(
      "invalid_input",
      `${origin} を YAML として読めません。書式を確認してください。`,
      [e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e)],
      e,
    );
  }
  const parsed = schema.safeParse(doc);
  if (!parsed.success) {
    throw new MimamoriError(
      "invalid_input",
      `${origin} に誤りがあります。`,
      parsed.error.issues.map(issueText),
    );
  }
  const m = parsed.data;
  const problems: string[] = [];
  let source: SourceId | undefined;
  if (m.source !== undefined) {
    const l = findLayout(m.source.trim(), sources);
    if (l) source = l.id;
    else
      problems.push(
        `source: 「${m.source}」という取り込み元はありません。使えるもの: ${describeSources(sources).join("、")}`,
      );
  }
  const mapping: Mapping = {
    ...(m.description === undefined ? {} : { description: m.description }),
    ...(source === undefined ? {} : { source }),
    ...(m.encoding === undefined ? {} : { encoding: m.encoding }),
    skipRows: m.skip_rows === undefined ? 0 : Number(m.skip_rows),
    columns: m.columns ?? {},
    values: m.values ?? {},
    dates: m.dates ?? {},
    constants: m.constants ?? {},
  };
  problems.push(...checkMapping(mapping, source, sources));
  if (problems.length > 0)
    throw new MimamoriError("invalid_input", `${origin} に誤りがあります。`, problems);
  return mapping;
}

/**
 * Problems of a mapping against a source's layout: targets that are not
 * columns of it, two file headers renamed onto one column. With no source,
 * only the checks that need none. Empty when the mapping is fine.
 */
export function checkMapping(
  mapping: Mapping,
  source: SourceId | undefined,
  sources: Sources = BUILT_IN_SOURCES,
): string[] {
  const problems: string[] = [];
  const targets = new Map<string, string>();
  for (const [from, to] of Object.entries(mapping.columns)) {
    const key = normalizeHeader(to);
    const other = targets.get(key);
    if (other !== undefined)
      problems.push(`columns: 「${other}」と「${from}」が同じ列「${to}」に対応づけられています。`);
    targets.set(key, from);
  }
  const layout = source === undefined ? undefined : findLayout(source, sources);
  if (!layout) return problems;
  const known = new Set(layout.columns.map((c) => c.name));
  const check = (section: string, name: string) => {
    if (name === "*" && section === "dates") return;
    if (!known.has(normalizeHeader(name))) {
      problems.push(
        `${section}: 「${name}」は ${layout.id}（${layout.name}）の列ではありません。使える列: ${[...known].join("、")}`,
      );
    }
  };
  for (const to of Object.values(mapping.columns)) check("columns", to);
  for (const name of Object.keys(mapping.values)) check("values", name);
  for (const name of Object.keys(mapping.dates)) check("dates", name);
  for (const name of Object.keys(mapping.constants)) check("constants", name);
  return problems;
}
