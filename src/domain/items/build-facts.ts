/**
 * Builds the evaluation input (PersonFacts) from a linkage run: the persons
 * it found and every stored source row with the person it was linked to.
 * Pure; the pipeline reads the run and the rows from the database.
 *
 * - jumin rows become residence periods (住定日/消除日, 世帯番号, 続柄);
 * - rows of a `subject: mother` source (ninpu_kenshin, sanpu_kenshin, a
 *   declared 妊娠届アンケート) are the mother's, but items B14/B15 are about
 *   the child of that pregnancy: they go to each child the mother–child rule
 *   found (twins: both), as "mother rows for this child";
 * - a row linked to nobody but carrying a 世帯番号 (its source's 世帯番号
 *   column: 相談記録 kept per 世帯) becomes a household row;
 * - everything else goes to its person.
 */
import { BUILT_IN_SOURCES, type Sources } from "../layouts.ts";
import type { PersonId } from "../linkage/types.ts";
import type { HouseholdNo, IsoDate, ResidentNo } from "../types.ts";
import type { Value } from "../validate.ts";
import type { Sex } from "../values.ts";
import type { PersonFacts, Population, ResidencePeriod, SourceRow } from "./facts.ts";

export interface LinkedPerson {
  readonly personId: PersonId;
  readonly residentNos: readonly string[];
  readonly birthDate: IsoDate | null;
  readonly sex: Sex | null;
}

export interface LinkedRow extends SourceRow {
  /** The person the row was linked to (for mother-keyed rows: the mother); null when unlinked. */
  readonly personId: PersonId | null;
  /** ninpu/sanpu rows: the child or children of that pregnancy; empty when none was found. */
  readonly children?: readonly PersonId[];
}

export interface BuildReport {
  /** Rows attributed to a person. */
  readonly personRows: number;
  readonly motherRows: number;
  readonly householdRows: number;
  /** Rows no person or household could take (linked to nobody, or mother rows without a child). */
  readonly unattributed: number;
}

/** The only columns of a 住基 row the population reads (its residence period). */
export const RESIDENCE_COLUMNS = ["宛名番号", "世帯番号", "続柄", "住定日", "消除日"] as const;

const text = (v: Value | undefined): string | null =>
  v === null || v === undefined || v === "" ? null : String(v);

/** The population of a linkage run, and how its rows were attributed. */
export function buildPopulation(
  persons: readonly LinkedPerson[],
  rows: Iterable<LinkedRow>,
  sources: Sources = BUILT_IN_SOURCES,
): { population: Population; report: BuildReport } {
  const builder = populationBuilder(persons, sources);
  for (const r of rows) builder.add(r);
  return builder.finish();
}

/** Builds a population row by row, so a reader can stream rows in without holding them twice. */
export interface PopulationBuilder {
  /** Attributes one row (in the order rows are read: each person's rows keep that order). */
  add(r: LinkedRow): void;
  /** The population and its report; the builder must not be used afterwards. */
  finish(): { population: Population; report: BuildReport };
}

/** The incremental form of {@link buildPopulation}: the same result for the same rows in order. */
export function populationBuilder(
  persons: readonly LinkedPerson[],
  sources: Sources = BUILT_IN_SOURCES,
): PopulationBuilder {
  const householdColumns: Record<string, string> = {};
  for (const l of sources.layouts) {
    if (l.id !== "jumin" && l.roles.householdNo !== undefined)
      householdColumns[l.id] = l.roles.householdNo;
  }
  const index = new Map<string, number>();
  const drafts = persons.map((p, i) => {
    index.set(p.personId, i);
    return {
      residence: [] as ResidencePeriod[],
      rows: [] as SourceRow[],
      motherRows: [] as SourceRow[],
    };
  });
  const householdRows: SourceRow[] = [];
  let personRows = 0;
  let motherRows = 0;
  let unattributed = 0;
  const add = (r: LinkedRow): void => {
    const row: SourceRow = {
      source: r.source,
      file: r.file,
      row: r.row,
      asOf: r.asOf,
      values: r.values,
    };
    if (sources.motherSources.has(r.source)) {
      let placed = false;
      for (const c of r.children ?? []) {
        const k = index.get(c);
        if (k === undefined) continue;
        drafts[k]?.motherRows.push(row);
        placed = true;
      }
      if (placed) motherRows++;
      else unattributed++;
      return;
    }
    const k = r.personId === null ? undefined : index.get(r.personId);
    if (k === undefined) {
      const hh = householdColumns[r.source];
      if (hh !== undefined && text(r.values[hh]) !== null) {
        householdRows.push(row);
      } else unattributed++;
      return;
    }
    const d = drafts[k] as (typeof drafts)[number];
    if (r.source === "jumin") {
      // RESIDENCE_COLUMNS: the only columns of a 住基 row read here (the scoring read reads no more).
      d.residence.push({
        residentNo: text(r.values.宛名番号) as ResidentNo | null,
        householdNo: text(r.values.世帯番号) as HouseholdNo | null,
        relationship: text(r.values.続柄),
        from: text(r.values.住定日) as IsoDate | null,
        to: text(r.values.消除日) as IsoDate | null,
        ref: { source: r.source, file: r.file, row: r.row, asOf: r.asOf },
      });
    } else {
      d.rows.push(row);
    }
    personRows++;
  };
  const finish = () => {
    const facts: PersonFacts[] = persons.map((p, i) => {
      const d = drafts[i] as (typeof drafts)[number];
      return {
        personId: p.personId,
        birthDate: p.birthDate,
        sex: p.sex ?? "unknown",
        residentNos: p.residentNos as ResidentNo[],
        residence: d.residence,
        rows: d.rows,
        motherRows: d.motherRows,
      };
    });
    return {
      population: {
        persons: facts,
        householdRows,
        eventDates: sources.eventDates,
        householdColumns,
      },
      report: { personRows, motherRows, householdRows: householdRows.length, unattributed },
    };
  };
  return { add, finish };
}
