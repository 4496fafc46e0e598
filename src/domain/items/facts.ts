/**
 * The input of item evaluation: what the linkage knows about each person,
 * with every source row attributed to the person it is about. Built by the
 * pipeline from imported snapshots and linkage results; pure data here, so
 * tests and benchmarks can build it by hand.
 */
import type { PersonId } from "../linkage/types.ts";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../types.ts";
import type { Value } from "../validate.ts";
import type { Sex } from "../values.ts";

/** Where a fact came from: the row of an imported file (cli.md `export links` uses the same triple). */
export interface RowRef {
  readonly source: SourceId;
  /** File name as imported. */
  readonly file: string;
  /** 1-based data row in that file. */
  readonly row: number;
  /** 抽出日 of the row's data. */
  readonly asOf: IsoDate;
}

/** One validated source row: values keyed by canonical column name (validate.ts), dates `YYYY-MM-DD`. */
export interface SourceRow extends RowRef {
  readonly values: Readonly<Record<string, Value>>;
}

/**
 * One stint in the resident registry (a jumin row): from 住定日 to 消除日.
 * A person who moved out and back holds two 宛名番号 and so two periods.
 */
export interface ResidencePeriod {
  readonly residentNo: ResidentNo | null;
  /** 世帯番号 during the period: the registered household (世帯). */
  readonly householdNo: HouseholdNo | null;
  /** 続柄 to the head of household (世帯主/妻/夫/子/父/母/祖父/祖母/その他). */
  readonly relationship: string | null;
  /** 住定日; null when the registry gave none (resident since an unknown date). */
  readonly from: IsoDate | null;
  /** 消除日: the first day no longer resident; null = still resident. */
  readonly to: IsoDate | null;
  /** The jumin row (its 抽出日 decides between two snapshots of the same 宛名番号). */
  readonly ref: RowRef;
}

/**
 * A linked person. Household and role are not fields of their own: they are
 * read from the residence period in force on the evaluation date, so a child
 * who changed 世帯 last month is judged with the members of the new one.
 */
export interface PersonFacts {
  readonly personId: PersonId;
  readonly birthDate: IsoDate | null;
  readonly sex: Sex;
  /** Every 宛名番号 the person holds (a jido_fuyo row names its 対象児童 by 宛名番号). */
  readonly residentNos: readonly ResidentNo[];
  readonly residence: readonly ResidencePeriod[];
  /** Source rows about this person (for jido_fuyo: rows where the person is the 受給者). */
  readonly rows: readonly SourceRow[];
  /**
   * The mother's ninpu_kenshin / sanpu_kenshin rows for THIS child's birth,
   * attached by the linkage (layouts.md: by 子宛名番号, else the child of the
   * mother born nearest 出産予定日 or within 120 days before 健診日).
   */
  readonly motherRows: readonly SourceRow[];
}

/** Everything one evaluation needs. */
export interface Population {
  readonly persons: readonly PersonFacts[];
  /**
   * Rows about a registered household rather than a person (a 相談記録 row
   * with 世帯番号 but no 宛名番号); matched to members by their 世帯番号 value.
   */
  readonly householdRows?: readonly SourceRow[];
  /**
   * The event-date column of each source (layouts.ts Sources.eventDates: the
   * built-ins' and a municipality's declared sources'). Default: the built-ins'.
   */
  readonly eventDates?: Readonly<Record<string, string>>;
  /** Per source of `householdRows`: the column holding its 世帯番号 (default 世帯番号). */
  readonly householdColumns?: Readonly<Record<string, string>>;
}
