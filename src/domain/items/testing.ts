/**
 * A small builder of populations by hand, for the table-driven item tests,
 * the scoring tests and the examples in docs/scoring.md. Rows get file
 * `<source>.csv` and consecutive row numbers, as an import would give them.
 */
import type { PersonId } from "../linkage/types.ts";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../types.ts";
import type { Value } from "../validate.ts";
import type { Sex } from "../values.ts";
import type { PersonFacts, Population, ResidencePeriod, SourceRow } from "./facts.ts";

export interface PersonSpec {
  readonly birth: string | null;
  readonly sex?: Sex;
  /** 世帯番号; null: registered without one. */
  readonly household?: string | null;
  readonly relationship?: string | null;
  /** 住定日 (default: the birth date). */
  readonly from?: string | null;
  /** 消除日 (default: none, still resident). */
  readonly to?: string | null;
  /** False: no jumin row at all (e.g. known only from school data). */
  readonly resident?: boolean;
}

interface Draft {
  personId: PersonId;
  birthDate: IsoDate | null;
  sex: Sex;
  residentNos: ResidentNo[];
  residence: ResidencePeriod[];
  rows: SourceRow[];
  motherRows: SourceRow[];
}

export class PopulationBuilder {
  private readonly asOf: IsoDate;
  private readonly drafts: Draft[] = [];
  private readonly householdRows: SourceRow[] = [];
  private readonly rowCounter = new Map<string, number>();

  /** `asOf`: the 抽出日 given to every row. */
  constructor(asOf: string) {
    this.asOf = asOf as IsoDate;
  }

  private ref(source: string, asOf?: string) {
    const n = (this.rowCounter.get(source) ?? 0) + 1;
    this.rowCounter.set(source, n);
    return {
      source: source as SourceId,
      file: `${source}.csv`,
      row: n,
      asOf: (asOf ?? this.asOf) as IsoDate,
    };
  }

  /** Adds a person; returns its index. Resident number `R<index+1>`. */
  person(spec: PersonSpec): number {
    const i = this.drafts.length;
    const residentNo = `R${i + 1}` as ResidentNo;
    const d: Draft = {
      personId: `P${String(i + 1).padStart(8, "0")}` as PersonId,
      birthDate: spec.birth as IsoDate | null,
      sex: spec.sex ?? "female",
      residentNos: [residentNo],
      residence: [],
      rows: [],
      motherRows: [],
    };
    if (spec.resident !== false) {
      d.residence.push({
        residentNo,
        householdNo: (spec.household === undefined
          ? `H${i + 1}`
          : spec.household) as HouseholdNo | null,
        relationship: spec.relationship ?? null,
        from: (spec.from === undefined ? spec.birth : spec.from) as IsoDate | null,
        to: (spec.to ?? null) as IsoDate | null,
        ref: this.ref("jumin"),
      });
    }
    this.drafts.push(d);
    return i;
  }

  /** A second registry stint (moved out and back: a new 宛名番号). */
  stint(
    person: number,
    spec: { household: string; from: string | null; to?: string | null; relationship?: string },
  ): void {
    const d = this.drafts[person] as Draft;
    const residentNo = `R${person + 1}-${d.residentNos.length + 1}` as ResidentNo;
    d.residentNos.push(residentNo);
    d.residence.push({
      residentNo,
      householdNo: spec.household as HouseholdNo,
      relationship: spec.relationship ?? null,
      from: spec.from as IsoDate | null,
      to: (spec.to ?? null) as IsoDate | null,
      ref: this.ref("jumin"),
    });
  }

  /** A row about the person. */
  row(person: number, source: string, values: Record<string, Value>, asOf?: string): SourceRow {
    const r: SourceRow = { ...this.ref(source, asOf), values };
    (this.drafts[person] as Draft).rows.push(r);
    return r;
  }

  /** A mother's ninpu/sanpu row attached to this child. */
  motherRow(child: number, source: string, values: Record<string, Value>): SourceRow {
    const r: SourceRow = { ...this.ref(source), values };
    (this.drafts[child] as Draft).motherRows.push(r);
    return r;
  }

  /** A row keyed by 世帯番号 only. */
  householdRow(source: string, values: Record<string, Value>): SourceRow {
    const r: SourceRow = { ...this.ref(source), values };
    this.householdRows.push(r);
    return r;
  }

  residentNo(person: number): string {
    return (this.drafts[person] as Draft).residentNos[0] as string;
  }

  personId(person: number): PersonId {
    return (this.drafts[person] as Draft).personId;
  }

  build(): Population {
    const persons: PersonFacts[] = this.drafts.map((d) => ({ ...d }));
    return { persons, householdRows: [...this.householdRows] };
  }
}
