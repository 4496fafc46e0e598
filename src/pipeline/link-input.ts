/**
 * Turns an ingested row (a layout's normalised values) into the LinkRecord the
 * 名寄せ engine links: the identity fields only. The person a row is about is
 * the one layouts.md keys it by: 宛名番号, else 母宛名番号 (妊婦/産婦健診 are
 * about the mother) or 受給者宛名番号 (児童扶養手当 is paid to the guardian).
 */
import type { Layout } from "../domain/layouts.ts";
import { schoolYearOf } from "../domain/linkage/japanese.ts";
import type { MotherRowFacts } from "../domain/linkage/mother-child.ts";
import type { LinkRecord } from "../domain/linkage/types.ts";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../domain/types.ts";
import type { Value } from "../domain/validate.ts";
import type { Sex } from "../domain/values.ts";

const PERSON_ID_COLUMNS = ["宛名番号", "母宛名番号", "受給者宛名番号"] as const;

/** Sources keyed by the mother whose rows are about a child (layouts.md: ninpu/sanpu_kenshin). */
export const MOTHER_SOURCES: ReadonlySet<string> = new Set(["ninpu_kenshin", "sanpu_kenshin"]);

/**
 * What the mother–child rule needs of a stored row of a mother-keyed source
 * (子宛名番号, 出産予定日, 健診日), or null for a row of any other source.
 * `record` is the row's index among the linked records.
 */
export function motherFactsOfData(
  source: string,
  record: number,
  data: Readonly<Record<string, Value>>,
): MotherRowFacts | null {
  if (!MOTHER_SOURCES.has(source)) return null;
  const text = (name: string) => {
    const v = data[name];
    return typeof v === "string" && v !== "" ? v : null;
  };
  return {
    record,
    childResidentNo: text("子宛名番号"),
    dueDate: text("出産予定日"),
    checkupDate: text("健診日"),
  };
}

/** Per layout, the index of each column by name (computed once per file). */
export function columnIndex(layout: Layout): ReadonlyMap<string, number> {
  return new Map(layout.columns.map((c, i) => [c.name, i]));
}

/** The LinkRecord of one valid row. `row` is the 1-based data row of the file. */
export function linkRecordOf(
  layout: Layout,
  index: ReadonlyMap<string, number>,
  file: string,
  row: number,
  values: readonly Value[],
  asOf: IsoDate,
): LinkRecord {
  return linkRecordFrom(layout.id, file, row, asOf, (name) => {
    const i = index.get(name);
    return i === undefined ? null : (values[i] ?? null);
  });
}

/** The same from a stored row (`import_row.data`: values keyed by canonical column name). */
export function linkRecordOfData(
  source: SourceId,
  file: string,
  row: number,
  data: Readonly<Record<string, Value>>,
  asOf: IsoDate,
): LinkRecord {
  return linkRecordFrom(source, file, row, asOf, (name) => data[name] ?? null);
}

function linkRecordFrom(
  source: SourceId,
  file: string,
  row: number,
  asOf: IsoDate,
  get: (column: string) => Value,
): LinkRecord {
  const text = (name: string): string | null => {
    const v = get(name);
    return v === null || v === "" ? null : String(v);
  };
  let residentNo: string | null = null;
  for (const c of PERSON_ID_COLUMNS) {
    residentNo = text(c);
    if (residentNo !== null) break;
  }
  const sex = get("性別");
  const grade = get("学年");
  const school = text("学校名");
  return {
    source,
    file,
    row,
    residentNo: residentNo as ResidentNo | null,
    householdNo: text("世帯番号") as HouseholdNo | null,
    name: text("氏名"),
    nameKana: text("氏名カナ"),
    birthDate: text("生年月日") as IsoDate | null,
    sex: sex === "male" || sex === "female" ? (sex as Sex) : null,
    address: text("住所"),
    school,
    grade: typeof grade === "number" ? schoolYearOf(school, grade) : null,
    asOf,
    relationship: text("続柄"),
    residentSince: text("住定日") as IsoDate | null,
    removedDate: text("消除日") as IsoDate | null,
    topic: text("相談分野"),
    eventDate: text("相談日") as IsoDate | null,
  };
}
