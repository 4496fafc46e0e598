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
  return mc ? motherFactsFrom(mc, record, fromData, data) : null;
}

/** Where the mother–child rule's facts are read: column names, or slots of a value array. */
interface MotherKeys<K> {
  readonly childResidentNo?: K | undefined;
  readonly dueDate?: K | undefined;
  readonly checkupDate?: K | undefined;
}

function motherFactsFrom<K, C>(
  keys: MotherKeys<K>,
  record: number,
  get: (from: C, key: K) => Value,
  from: C,
): MotherRowFacts {
  return {
    record,
    childResidentNo: nonEmptyText(get, from, keys.childResidentNo),
    dueDate: nonEmptyText(get, from, keys.dueDate),
    checkupDate: nonEmptyText(get, from, keys.checkupDate),
  };
}

// The readers below are module functions, not closures made per row: the CLI runs through
// tsx, whose esbuild output names every closure at its creation (`__name`, a defineProperty
// call), which cost the link read more than reading the fields did.

/** A column's value in a row's parsed JSON (absent: null). */
const fromData = (data: Readonly<Record<string, Value>>, name: string): Value => data[name] ?? null;

/** A slot's value in the values read for {@link LinkColumns} (absent: null). */
const fromSlots = (values: readonly Value[], i: number): Value => values[i] ?? null;

/** A column's value in an ingested row (absent: null). */
const fromRow = (
  row: { readonly index: ReadonlyMap<string, number>; readonly values: readonly Value[] },
  name: string,
): Value => {
  const i = row.index.get(name);
  return i === undefined ? null : (row.values[i] ?? null);
};

/** A string value other than "" (the mother–child rule's columns), else null. */
function nonEmptyText<K, C>(get: (from: C, key: K) => Value, from: C, key: K | undefined) {
  if (key === undefined) return null;
  const v = get(from, key);
  return typeof v === "string" && v !== "" ? v : null;
}

/** A value as text, null when blank. */
function textValue<K, C>(
  get: (from: C, key: K) => Value,
  from: C,
  key: K | undefined,
): string | null {
  if (key === undefined) return null;
  const v = get(from, key);
  return v === null || v === "" ? null : String(v);
}

/**
 * The columns of a source's stored rows that the link stage reads (its identity roles, the
 * columns every LinkRecord reads, the mother–child rule's), so the read can take only those
 * from each row's JSON (pipeline/linkage.ts `readLinkInput`, db/json-fields.ts), and where
 * each LinkRecord field finds its value among them.
 */
export interface LinkColumns {
  readonly source: LinkRecord["source"];
  /** Distinct column names, in the order of the values array. */
  readonly columns: readonly string[];
  readonly slots: RecordKeys<number>;
  /** Null for a source whose rows are not about a pregnancy. */
  readonly motherSlots: MotherKeys<number> | null;
}

/** {@link LinkColumns} of `source` (a source no declaration describes: the built-in names). */
export function linkColumnsOf(source: SourceId, sources: Sources = BUILT_IN_SOURCES): LinkColumns {
  const layout = sources.find(source);
  const names = recordKeysOf(layout?.roles ?? FALLBACK_ROLES);
  const mc = layout?.motherChild ?? null;
  const columns: string[] = [];
  const slotOf = (name: string | undefined): number | undefined => {
    if (name === undefined) return undefined;
    const i = columns.indexOf(name);
    return i >= 0 ? i : columns.push(name) - 1;
  };
  // Spelled out (not built from the names' entries): one object shape for every source.
  const slots: RecordKeys<number> = {
    residentNo: slotOf(names.residentNo),
    householdNo: slotOf(names.householdNo),
    name: slotOf(names.name),
    kana: slotOf(names.kana),
    alias: slotOf(names.alias),
    aliasKana: slotOf(names.aliasKana),
    birthDate: slotOf(names.birthDate),
    sex: slotOf(names.sex),
    address: slotOf(names.address),
    school: slotOf(names.school),
    grade: slotOf(names.grade),
    relationship: slotOf(names.relationship),
    residentSince: slotOf(names.residentSince),
    removedDate: slotOf(names.removedDate),
    topic: slotOf(names.topic),
    eventDate: slotOf(names.eventDate),
  };
  const motherSlots = mc
    ? {
        childResidentNo: slotOf(mc.childResidentNo),
        dueDate: slotOf(mc.dueDate),
        checkupDate: slotOf(mc.checkupDate),
      }
    : null;
  return { source: layout?.id ?? source, columns, slots, motherSlots };
}

/**
 * The LinkRecord and mother facts of a stored row read as `values` of `cols.columns` (absent
 * = null): what {@link linkRecordOfData} and {@link motherFactsOfData} give for its JSON.
 */
export function linkInputOfFields(
  cols: LinkColumns,
  file: string,
  row: number,
  record: number,
  values: readonly Value[],
  asOf: IsoDate,
): { record: LinkRecord; mother: MotherRowFacts | null } {
  return {
    record: linkRecordFrom(cols.source, cols.slots, file, row, asOf, fromSlots, values),
    mother: cols.motherSlots ? motherFactsFrom(cols.motherSlots, record, fromSlots, values) : null,
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
  return linkRecordFrom(layout.id, recordKeysOf(layout.roles), file, row, asOf, fromRow, {
    index,
    values,
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
  const roles = sources.find(source)?.roles ?? FALLBACK_ROLES;
  return linkRecordFrom(source, recordKeysOf(roles), file, row, asOf, fromData, data);
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

/** Where each field of a LinkRecord is read: column names, or slots of a value array. */
interface RecordKeys<K> {
  readonly residentNo: K | undefined;
  readonly householdNo: K | undefined;
  readonly name: K | undefined;
  readonly kana: K | undefined;
  readonly alias: K | undefined;
  readonly aliasKana: K | undefined;
  readonly birthDate: K | undefined;
  readonly sex: K | undefined;
  readonly address: K | undefined;
  readonly school: K | undefined;
  readonly grade: K | undefined;
  readonly relationship: K | undefined;
  readonly residentSince: K | undefined;
  readonly removedDate: K | undefined;
  readonly topic: K | undefined;
  readonly eventDate: K | undefined;
}

const keysByRoles = new WeakMap<SourceRoles, RecordKeys<string>>();

/** The columns a source's roles read each LinkRecord field from (the fixed ones for all). */
function recordKeysOf(roles: SourceRoles): RecordKeys<string> {
  let keys = keysByRoles.get(roles);
  if (keys === undefined) {
    keys = {
      residentNo: roles.residentNo,
      householdNo: roles.householdNo,
      name: roles.name,
      kana: roles.kana,
      alias: "通称",
      aliasKana: "通称カナ",
      birthDate: roles.birthDate,
      sex: roles.sex,
      address: roles.address,
      school: roles.school,
      grade: roles.grade,
      relationship: "続柄",
      residentSince: "住定日",
      removedDate: "消除日",
      topic: "相談分野",
      eventDate: "相談日",
    };
    keysByRoles.set(roles, keys);
  }
  return keys;
}

function linkRecordFrom<K, C>(
  source: LinkRecord["source"],
  keys: RecordKeys<K>,
  file: string,
  row: number,
  asOf: IsoDate,
  get: (from: C, key: K) => Value,
  from: C,
): LinkRecord {
  const sex = keys.sex === undefined ? null : get(from, keys.sex);
  const grade = keys.grade === undefined ? null : get(from, keys.grade);
  const school = textValue(get, from, keys.school);
  return {
    source,
    file,
    row,
    residentNo: textValue(get, from, keys.residentNo) as ResidentNo | null,
    householdNo: textValue(get, from, keys.householdNo) as HouseholdNo | null,
    name: textValue(get, from, keys.name),
    nameKana: textValue(get, from, keys.kana),
    alias: textValue(get, from, keys.alias),
    aliasKana: textValue(get, from, keys.aliasKana),
    birthDate: textValue(get, from, keys.birthDate) as IsoDate | null,
    sex: sex === "male" || sex === "female" ? (sex as Sex) : null,
    address: textValue(get, from, keys.address),
    school,
    grade: typeof grade === "number" ? schoolYearOf(school, grade) : null,
    asOf,
    relationship: textValue(get, from, keys.relationship),
    residentSince: textValue(get, from, keys.residentSince) as IsoDate | null,
    removedDate: textValue(get, from, keys.removedDate) as IsoDate | null,
    topic: textValue(get, from, keys.topic),
    eventDate: textValue(get, from, keys.eventDate) as IsoDate | null,
  };
}
