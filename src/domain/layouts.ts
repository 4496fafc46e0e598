/**
 * Source layouts: each column's name, whether it is required (`*` in the
 * spec) and its value type, the row rules, whom a row is about and which
 * column dates it. Every layout — the 19 canonical ones of layouts.md and a
 * municipality's own — is compiled from the same declared form
 * (sources/declaration.ts; the built-ins are sources/built-in.ts). Detecting
 * which source a file holds — by file name or by header signature — lives
 * here too, because it depends on nothing but these definitions.
 */

import { MimamoriError } from "./errors.ts";
import { BUILT_IN_DECLARATIONS } from "./sources/built-in.ts";
import { compileDeclaration, type SourceDeclaration } from "./sources/declaration.ts";
import type { IsoDate, SourceId } from "./types.ts";
import type { Enumeration } from "./values.ts";
export type ColumnType =
  | { readonly kind: "id" }
  | { readonly kind: "text" }
  | { readonly kind: "name" }
  | { readonly kind: "kana" }
  | { readonly kind: "date" }
  | { readonly kind: "bool" }
  | { readonly kind: "sex" }
  | {
      readonly kind: "number";
      readonly integer: boolean;
      readonly min?: number;
      readonly max?: number;
      readonly units?: readonly string[];
    }
  | { readonly kind: "enum"; readonly enumeration: Enumeration }
  | { readonly kind: "grade" }
  | { readonly kind: "fiscal_year" }
  | { readonly kind: "icd10" };

export interface ColumnDef {
  readonly name: string;
  readonly required: boolean;
  readonly type: ColumnType;
  /** The value a blank cell stands for, when layouts.md gives one (国籍: blank = 日本). */
  readonly blankMeans?: string;
}

export interface Layout {
  readonly id: SourceId;
  /** 名称 of layouts.md. */
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** Groups of columns of which at least one must hold a value on every row. */
  readonly atLeastOne: readonly (readonly string[])[];
  /** [start, end] date columns: end, when present, may not be before start. */
  readonly periods: readonly (readonly [string, string])[];
  /** The column dating the event a row records (rows after a run's date are ignored); null: none. */
  readonly eventDate: string | null;
  /** `mother`: the row is a mother's and concerns her child (妊婦健診, 妊娠届アンケート). */
  readonly subject: "person" | "mother";
  readonly roles: SourceRoles;
  /** For `subject: mother`: the columns that find the child (子宛名番号, 出産予定日, 健診日). */
  readonly motherChild: {
    readonly childResidentNo?: string;
    readonly dueDate?: string;
    readonly checkupDate?: string;
  } | null;
  /** Per column: file value → value read, applied before the type's reader (a mapping's `values` win). */
  readonly recode: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** One of the 19 canonical sources (possibly extended by the municipality). */
  readonly builtIn: boolean;
  /** The declaration it was compiled from (printed by `mimamori source show`). */
  readonly declaration: SourceDeclaration;
}

/** The columns linkage reads from a row, by role (declared: identify, and the typed columns). */
export interface SourceRoles {
  /** The person's 宛名番号 (for a mother-level source: the mother's). */
  readonly residentNo?: string;
  readonly householdNo?: string;
  readonly name?: string;
  readonly kana?: string;
  readonly birthDate?: string;
  readonly sex?: string;
  readonly address?: string;
  readonly school?: string;
  readonly grade?: string;
}

/**
 * 抽出日: the as-of date of the data. Optional on every source; used when
 * `--as-of` is not given (layouts.md, "Each import also records …").
 */
export const AS_OF_COLUMN = "抽出日";

/** The 19 sources, in the order of layouts.md, compiled from their declarations. */
export const LAYOUTS: readonly Layout[] = BUILT_IN_DECLARATIONS.map((d) =>
  compileDeclaration(d, undefined, true),
);

/**
 * The sources one municipality imports: the built-ins, a built-in extended
 * by the municipality (extra columns promoted to typed ones), and its own.
 * Passed to import, linkage, evaluation and validation; the built-ins alone
 * are {@link BUILT_IN_SOURCES}.
 */
export interface Sources {
  readonly layouts: readonly Layout[];
  find(id: string): Layout | undefined;
  /** Event-date column per source id (sources without one are absent). */
  readonly eventDates: Readonly<Record<string, string>>;
  /** Sources whose rows are a mother's and concern her child (`subject: mother`). */
  readonly motherSources: ReadonlySet<string>;
}

function sourcesOf(layouts: readonly Layout[]): Sources {
  const byId = new Map(layouts.map((l) => [l.id as string, l]));
  const eventDates: Record<string, string> = {};
  for (const l of layouts) if (l.eventDate !== null) eventDates[l.id] = l.eventDate;
  return {
    layouts,
    find: (id) => byId.get(id),
    eventDates,
    motherSources: new Set(layouts.filter((l) => l.subject === "mother").map((l) => l.id)),
  };
}

export const BUILT_IN_SOURCES: Sources = sourcesOf(LAYOUTS);

/**
 * The built-ins with a municipality's declarations: one that `extends` a
 * built-in replaces it (its columns added), any other is added after them.
 * Throws `invalid_input` naming the declaration and every problem.
 */
export function createSources(declared: readonly SourceDeclaration[]): Sources {
  if (declared.length === 0) return BUILT_IN_SOURCES;
  const builtIn = new Map(BUILT_IN_DECLARATIONS.map((d) => [d.id, d]));
  const layouts = [...LAYOUTS];
  const seen = new Set<string>();
  for (const d of declared) {
    if (seen.has(d.id)) {
      throw new MimamoriError("invalid_input", `取り込み元「${d.id}」が2回定義されています。`);
    }
    seen.add(d.id);
    if (d.extends !== undefined) {
      const base = builtIn.get(d.extends);
      if (!base || d.extends !== d.id) {
        throw new MimamoriError(
          "invalid_input",
          `取り込み元「${d.id}」: extends には同じ ID の標準の取り込み元を書いてください（例: id: nyuyoji_kenshin、extends: nyuyoji_kenshin）。`,
        );
      }
      const at = layouts.findIndex((l) => l.id === d.id);
      layouts[at] = compileDeclaration(d, base, true);
      continue;
    }
    if (builtIn.has(d.id)) {
      throw new MimamoriError(
        "invalid_input",
        `取り込み元「${d.id}」は標準の取り込み元と同じ ID です。列を足すときは extends: ${d.id} と書き、別の取り込み元なら別の ID にしてください。`,
      );
    }
    layouts.push(compileDeclaration(d));
  }
  return sourcesOf(layouts);
}

/** All source ids, in layouts.md order. */
export const SOURCE_IDS: readonly SourceId[] = LAYOUTS.map((l) => l.id);

export function isSourceId(s: string, sources: Sources = BUILT_IN_SOURCES): s is SourceId {
  return sources.find(s) !== undefined;
}

/** The layout of a source id, or undefined for an unknown id. */
export function findLayout(id: string, sources: Sources = BUILT_IN_SOURCES): Layout | undefined {
  return sources.find(id);
}

/** `jumin（住民基本台帳）`, … — the list shown when a file cannot be matched to a source. */
export function describeSources(sources: Sources = BUILT_IN_SOURCES): string[] {
  return sources.layouts.map((l) => `${l.id}（${l.name}）`);
}

/**
 * How a header cell is compared: NFKC (full-width letters, half-width kana),
 * no white space, no BOM, no trailing `*` (people copy the spec's required
 * marker into their headers).
 */
export function normalizeHeader(h: string): string {
  return h
    .normalize("NFKC")
    .replace(/[\s\ufeff]+/g, "")
    .replace(/\*+$/, "");
}

/**
 * The source named by a file name (cli.md): `jumin.csv`, `jumin_2024-04.csv`,
 * `JUMIN-202404.xlsx`, or the 名称 (`住民基本台帳_2024.csv`). A directory part
 * is ignored. Undefined when the name matches no source.
 */
export function sourceFromFileName(
  fileName: string,
  sources: Sources = BUILT_IN_SOURCES,
): SourceId | undefined {
  // Longest id first, so `shogaiji_jukyusha` is tried before a shorter prefix could match.
  const byIdLength = [...sources.layouts].sort((a, b) => b.id.length - a.id.length);
  const byNameLength = [...sources.layouts].sort((a, b) => b.name.length - a.name.length);
  const base = (fileName.split(/[\\/]/).pop() ?? "").normalize("NFKC");
  const stem = base.replace(/\.[^.]*$/, "").toLowerCase();
  const follows = (rest: string) => rest === "" || /^[-_. ]/.test(rest);
  for (const l of byIdLength) {
    if (stem.startsWith(l.id) && follows(stem.slice(l.id.length))) return l.id;
  }
  for (const l of byNameLength) {
    if (stem.startsWith(l.name) && follows(stem.slice(l.name.length))) return l.id;
  }
  return undefined;
}

/**
 * The 抽出日 a file name carries (`jumin_2024-04-01.csv`, `shukketsu-20240401.xlsx`,
 * `jumin_2024_04_01.csv`, as the demo and synth write them): a full, real date
 * after the source part. Undefined for none, a month only (`jumin_2024-04.csv`)
 * or an impossible date — never a guess.
 */
export function asOfFromFileName(fileName: string): IsoDate | undefined {
  const base = (fileName.split(/[\\/]/).pop() ?? "").normalize("NFKC");
  const stem = base.replace(/\.[^.]*$/, "");
  const m = /(?:^|[-_. ])(\d{4})[-_]?(\d{2})[-_]?(\d{2})(?:$|[-_. ])/.exec(stem);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
    return undefined;
  if (y < 1900 || y > 2200) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}` as IsoDate;
}

export type HeaderMatch =
  | { readonly kind: "found"; readonly source: SourceId }
  | { readonly kind: "ambiguous"; readonly candidates: readonly SourceId[] }
  | { readonly kind: "none" };

/**
 * The source whose signature a header carries: every required column present
 * (and one of each at-least-one group), most of its columns matched. Two
 * sources equally good is ambiguous — the caller must ask, never guess.
 */
export function sourceFromHeader(
  header: readonly string[],
  sources: Sources = BUILT_IN_SOURCES,
): HeaderMatch {
  const present = new Set(header.map(normalizeHeader));
  let best: SourceId[] = [];
  let bestScore = 0;
  for (const l of sources.layouts) {
    if (!l.columns.every((c) => !c.required || present.has(c.name))) continue;
    if (!l.atLeastOne.every((g) => g.some((c) => present.has(c)))) continue;
    const score = l.columns.filter((c) => c.name !== AS_OF_COLUMN && present.has(c.name)).length;
    if (score > bestScore) {
      best = [l.id];
      bestScore = score;
    } else if (score === bestScore && score > 0) {
      best.push(l.id);
    }
  }
  if (best.length === 1) return { kind: "found", source: best[0] as SourceId };
  if (best.length > 1) return { kind: "ambiguous", candidates: best };
  return { kind: "none" };
}
