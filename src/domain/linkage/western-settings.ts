/**
 * Settings for western-style person records (given name, surname, street
 * address, suburb, postcode, state, date of birth, a social-security id), the
 * layout of the FEBRL benchmark (Christen, "Febrl — Freely extensible biomedical
 * record linkage", 2008). They use the same engine and level kinds as 名寄せ;
 * only the columns differ. Values are expected lower-cased and trimmed.
 */
import type { BlockingRule, ComparisonSpec, LevelCondition, LinkageSettings } from "./settings.ts";
import { buildTable, type LinkTable } from "./table.ts";

const exact = (column: string): LevelCondition => ({ kind: "exact", column });
const jw = (column: string, threshold: number): LevelCondition => ({
  kind: "jaro-winkler",
  column,
  threshold,
});
const ELSE: LevelCondition = { kind: "else" };

function nameComparison(column: string, label: string): ComparisonSpec {
  return {
    name: column,
    label,
    levels: [
      { label: "exact", when: exact(column), tf: column },
      { label: "JW ≥ 0.92", when: jw(column, 0.92) },
      { label: "JW ≥ 0.8", when: jw(column, 0.8) },
      { label: "else", when: ELSE },
    ],
  };
}

function codeComparison(column: string, label: string): ComparisonSpec {
  return {
    name: column,
    label,
    levels: [
      { label: "exact", when: exact(column) },
      { label: "one typo", when: { kind: "one-typo", column } },
      { label: "edit distance ≤ 2", when: { kind: "edit-distance", column, max: 2 } },
      { label: "else", when: ELSE },
    ],
  };
}

function textComparison(column: string, label: string): ComparisonSpec {
  return {
    name: column,
    label,
    levels: [
      { label: "exact", when: exact(column), tf: column },
      { label: "JW ≥ 0.9", when: jw(column, 0.9) },
      { label: "JW ≥ 0.75", when: jw(column, 0.75) },
      { label: "else", when: ELSE },
    ],
  };
}

export const WESTERN_COLUMNS = [
  "given_name",
  "surname",
  "street_number",
  "address_1",
  "address_2",
  "suburb",
  "postcode",
  "state",
  "date_of_birth",
  "soc_sec_id",
] as const;

const block = (name: string, columns: string[]): BlockingRule => ({
  name,
  columns,
  maxBlockSize: 2000,
});

/** Settings for linking two files of western person records (link_only). */
export const WESTERN_SETTINGS: LinkageSettings = {
  version: "western-1",
  linkType: "link_only",
  comparisons: [
    nameComparison("given_name", "given name"),
    nameComparison("surname", "surname"),
    codeComparison("date_of_birth", "date of birth"),
    codeComparison("soc_sec_id", "social security id"),
    {
      name: "street_number",
      label: "street number",
      levels: [
        { label: "exact", when: exact("street_number") },
        { label: "else", when: ELSE },
      ],
    },
    textComparison("address_1", "address 1"),
    textComparison("address_2", "address 2"),
    textComparison("suburb", "suburb"),
    codeComparison("postcode", "postcode"),
    {
      name: "state",
      label: "state",
      levels: [
        { label: "exact", when: exact("state") },
        { label: "else", when: ELSE },
      ],
    },
  ],
  blockingRules: [
    block("date of birth", ["date_of_birth"]),
    block("social security id", ["soc_sec_id"]),
    block("surname + postcode", ["surname", "postcode"]),
    block("given name + surname", ["given_name", "surname"]),
    block("given name + postcode", ["given_name", "postcode"]),
    block("surname + suburb", ["surname", "suburb"]),
    block("given name + suburb", ["given_name", "suburb"]),
    block("street + number", ["address_1", "street_number"]),
    block("surname + dob year", ["surname", "dob_year"]),
    block("given name + dob year", ["given_name", "dob_year"]),
    block("postcode + street number", ["postcode", "street_number"]),
  ],
  deterministicRules: [
    { name: "name + date of birth", columns: ["given_name", "surname", "date_of_birth"] },
    { name: "social security id + date of birth", columns: ["soc_sec_id", "date_of_birth"] },
  ],
  deterministicRecall: 0.7,
  wildcardColumns: [],
  weakColumns: [],
  idColumn: null,
  thresholds: { accept: 0.9, review: 0.5, ambiguityBits: 3 },
  cannotLink: [],
  training: {
    uSamplePairs: 300_000,
    seed: 42,
    emMaxIterations: 60,
    emTolerance: 1e-5,
    tfMinimumU: 1e-6,
  },
};

/**
 * The record table for western records: values trimmed and lower-cased (blank
 * = missing), plus `dob_year` for blocking. `file` per row gives the group
 * (link_only pairs only rows of different files); rows of `backboneFile` are
 * the backbone every other row links onto.
 */
export function westernTable(
  rows: readonly Readonly<Record<string, string | null | undefined>>[],
  file: (row: number) => number,
  backboneFile = 0,
): LinkTable {
  const clean = rows.map((r) => {
    const out: Record<string, string | null> = {};
    for (const c of WESTERN_COLUMNS) {
      const v = r[c]?.trim().toLowerCase() ?? "";
      out[c] = v === "" ? null : v;
    }
    const dob = out.date_of_birth;
    out.dob_year = dob && /^\d{8}$/.test(dob) ? dob.slice(0, 4) : null;
    return out;
  });
  return buildTable(clean, [...WESTERN_COLUMNS, "dob_year"], {
    group: file,
    backbone: (i) => file(i) === backboneFile,
  });
}
