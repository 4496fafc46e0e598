/**
 * Turns an ingested row (a layout's normalised values) into the LinkRecord the
 * 名寄せ engine links: the identity fields only. The person a row is about is
 * the one its declaration identifies (`identify`: 宛名番号, else 母宛名番号 —
 * 妊婦/産婦健診 are about the mother — or 受給者宛名番号 — 児童扶養手当 is paid
 * to the guardian; or 氏名 and 生年月日), and the other identity fields are
 * its typed columns (氏名, カナ, 性別, 住所, 学校名, 学年, 世帯番号).
 */
import {
  BUILT_IN_SOURCES,
  type Layout,
  type SourceRoles,
  type Sources,
} from "../domain/layouts.ts";
import { schoolYearOf } from "../domain/linkage/japanese.ts";
import type { MotherRowFacts } from "../domain/linkage/mother-child.ts";
import type { LinkRecord } from "../domain/linkage/types.ts";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../domain/types.ts";
import type { Value } from "../domain/validate.ts";
import type { Sex } from "../domain/values.ts";

/** Sources keyed by the mother whose rows are about a child (built-ins: ninpu/sanpu_kenshin). */
export const MOTHER_SOURCES: ReadonlySet<string> = BUILT_IN_SOURCES.motherSources;

/**
 * What the mother–child rule needs of a stored row of a mother-keyed source
 * (its declared motherChild columns: 子宛名番号, 出産予定日, 健診日), or null
 * for a row of any other source. `record` is the row's index among the linked
 * records.
 */
export function motherFactsOfData(
  source: string,
  record: number,
  data: Readonly<Record<string, Value>>,
  sources: Sources = BUILT_IN_SOURCES,
): MotherRowFacts | null {
  const mc = sources.find(source)?.motherChild;
  if (!mc) return null;
  const text = (name: string | undefined) => {
    if (name === undefined) return null;
    const v = data[name];
    return typeof v === "string" && v !== "" ? v : null;
  };
  return {
    record,
    childResidentNo: text(mc.childResidentNo),
    dueDate: text(mc.dueDate),
    checkupDate: text(mc.checkupDate),
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
  return linkRecordFrom(layout, file, row, asOf, (name) => {
    const i = index.get(name);
    return i === undefined ? null : (values[i] ?? null);
  });
}

/**
 * The same from a stored row (`import_row.data`: values keyed by column
 * name). A source no declaration describes any more is read by the built-in
 * column names.
 */
export function linkRecordOfData(
  source: SourceId,
  file: string,
  row: number,
  data: Readonly<Record<string, Value>>,
  asOf: IsoDate,
  sources: Sources = BUILT_IN_SOURCES,
): LinkRecord {
  const layout = sources.find(source) ?? { id: source, roles: FALLBACK_ROLES };
  return linkRecordFrom(layout, file, row, asOf, (name) => data[name] ?? null);
}

/** The built-in column names, for rows of a source without a declaration. */
const FALLBACK_ROLES: SourceRoles = {
  residentNo: "宛名番号",
  householdNo: "世帯番号",
  name: "氏名",
  kana: "氏名カナ",
  birthDate: "生年月日",
  sex: "性別",
  address: "住所",
  school: "学校名",
  grade: "学年",
};

function linkRecordFrom(
  layout: Pick<Layout, "id" | "roles">,
  file: string,
  row: number,
  asOf: IsoDate,
  get: (column: string) => Value,
): LinkRecord {
  const text = (name: string | undefined): string | null => {
    if (name === undefined) return null;
    const v = get(name);
    return v === null || v === "" ? null : String(v);
  };
  const roles = layout.roles;
  const sex = roles.sex === undefined ? null : get(roles.sex);
  const grade = roles.grade === undefined ? null : get(roles.grade);
  const school = text(roles.school);
  return {
    source: layout.id,
    file,
    row,
    residentNo: text(roles.residentNo) as ResidentNo | null,
    householdNo: text(roles.householdNo) as HouseholdNo | null,
    name: text(roles.name),
    nameKana: text(roles.kana),
    alias: text("通称"),
    aliasKana: text("通称カナ"),
    birthDate: text(roles.birthDate) as IsoDate | null,
    sex: sex === "male" || sex === "female" ? (sex as Sex) : null,
    address: text(roles.address),
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
