/**
 * 名寄せ of a municipality's records onto the 住民基本台帳 backbone.
 *
 * 1. Each LinkRecord's identity fields are normalised (ja/name.ts, ja/kana.ts,
 *    ja/reading-key.ts, 外字 table, address key); rows with identical
 *    normalised identity become one *profile* (a school writes the same child
 *    into every monthly 出欠 file: one profile, many rows). Names written
 *    without a space are split at a 氏 seen split elsewhere in the same data.
 * 2. The generic engine (engine.ts) links profiles: rows known only by
 *    宛名番号 (乳幼児健診, 手帳, …) join by id; the rest by the Fellegi–Sunter
 *    model, with twins and reviewers' "different" as hard constraints and
 *    registry persons joined only directly (one person, two 宛名番号).
 * 3. Clusters become persons with stable ids (person-ids.ts); persons without
 *    any registry record are listed (居所不明 risk: a child known to a school or
 *    児童相談所 but not resident).
 * 4. Rows with only a 世帯番号 (相談記録 kept per household) go to the household
 *    member their 相談分野 concerns (household-rows.ts).
 */
import { nameSkeletons } from "../ja/foreign-sound.ts";
import { normaliseKana } from "../ja/kana.ts";
import {
  EMPTY_GAIJI,
  foldName,
  type GaijiTable,
  parseName,
  safeNfkc,
  splitByKnownFamily,
  UNKNOWN_CHAR,
} from "../ja/name.ts";
import { readingKey } from "../ja/reading-key.ts";
import type { Sex } from "../values.ts";
import { addressKey } from "./address.ts";
import {
  AnchorAssignment,
  type AnchorTable,
  AnchorTableBuilder,
  anchorHead,
  anchorString,
  parseHex16,
} from "./anchors.ts";
import { EDGE_ID, EDGE_MANUAL } from "./cluster.ts";
import { type EngineResult, runEngine } from "./engine.ts";
import { explainPair, makeExplainer, type Waterfall } from "./explain.ts";
import { attributeHouseholdRows } from "./household-rows.ts";
import { JAPANESE_SETTINGS } from "./japanese-settings.ts";
import {
  levelWeights,
  type TfLookup,
  type TrainedModel,
  tfAdjustment,
  tfLookups,
} from "./model.ts";
import {
  assignPackedPersonIds,
  type PersonIdAssignment,
  type PersonIdState,
} from "./person-ids.ts";
import { hash64, hash64Lanes, hash64Parts, hash64PartsLanes } from "./random.ts";
import { RecordColumns, type RecordList, sourceOf } from "./record-columns.ts";
import type { LinkageSettings } from "./settings.ts";
import type { Column, LinkTable } from "./table.ts";
import type { LinkMethod, LinkRecord, PersonId, ReviewDecision } from "./types.ts";

/** Columns of the prepared table, in profile-key order. */
export const JAPANESE_COLUMNS = [
  "residentNo",
  "householdNo",
  "familyRaw",
  "givenRaw",
  "fullRaw",
  "familyFolded",
  "givenFolded",
  "fullFolded",
  "familyReading",
  "givenReading",
  "fullReading",
  "birthDate",
  "sex",
  "address",
  "school",
  "grade",
  "asOf",
  "residentNoOther",
  "registryStatus",
  "residentSince",
  "removedDate",
  "birthYear",
  "birthMonthDay",
  "nameParts",
  "nameSound",
  "nameSoundShort",
] as const;
type ColumnName = (typeof JAPANESE_COLUMNS)[number];

export interface PreparedProfiles {
  readonly table: LinkTable;
  /** Per input record: its profile (row of the table). */
  readonly profileOf: Int32Array;
  /** Records of profile p are recordOrder[recordOffsets[p] .. recordOffsets[p + 1]) (see recordsOf). */
  readonly recordOffsets: Int32Array;
  readonly recordOrder: Int32Array;
  /** Per profile: stable key (hash of the normalised identity and the backbone flag). */
  readonly keys: readonly string[];
  /**
   * Per profile: its anchors, strongest first (see `profileAnchors`): what identifies the
   * record across extracts when the profile itself changes (a move of school, a corrected
   * or changed name). Person ids and reviewers' decisions follow records through them.
   * Packed (domain/linkage/anchors.ts): `anchors.stringsOf(p)` gives them as strings.
   */
  readonly anchors: AnchorTable;
  /**
   * Per profile: the profile it belongs to unconditionally, or -1. A registry record's
   * 通称 (LinkRecord.alias) becomes a profile of its own without records, attached to the
   * record's profile, so that rows written under the 通称 are blocked, compared and linked
   * like rows written under the registered name.
   */
  readonly attachTo: Int32Array;
}

/**
 * The fiscal (school) year of a YYYYMMDD date: April to March. Used to turn a row's
 * school year (小1 = 1 …) and its extract's 抽出日 into the year the child entered 小1,
 * which does not change from one monthly extract to the next, nor at the April grade change.
 */
function fiscalYearOf(ymdDate: string): number {
  const y = Number(ymdDate.slice(0, 4));
  return Number(ymdDate.slice(4, 6)) >= 4 ? y : y - 1;
}

/**
 * A profile's anchors, strongest first. Each is a hash (no names in it) prefixed by its
 * kind and whether the record is of the registry (1) or not (0):
 *  - `r` 宛名番号 (a registry record's own number: unique to it);
 *  - `w` folded 氏名 + 生年月日 + 性別 (survives a move of school, a new address, a new extract);
 *  - `k` 氏名の読み + 生年月日 + 性別 (survives a corrected kanji or 異体字);
 *  - `g` 名 + 生年月日 + 性別 + 学校 (else 住所) (survives a changed surname at the same school);
 *  - `f` 氏 + 生年月日 + 性別 + 学校 (else 住所) (survives a corrected given name).
 * A profile with none of these (no name and no number) is anchored by its own key.
 */
export function profileAnchors(backbone: number, v: AnchorValues, profileKey: string): string[] {
  const out: string[] = [];
  anchorsInto(backbone, v, profileKey, (head, h1, h2) => {
    out.push(anchorString(head, h1, h2));
  });
  return out;
}

/** The values a profile's anchors are made of (see profileAnchors). */
interface AnchorValues {
  residentNo: string | null;
  familyFolded: string | null;
  givenFolded: string | null;
  fullFolded: string | null;
  givenReading: string | null;
  fullReading: string | null;
  birthDate: string | null;
  sex: string | null;
  place: string | null;
}

const LANES = new Int32Array(3);
const PARTS: (string | null)[] = [];

/** The lanes of hash64Parts(values) into LANES (no closure per call: millions of calls). */
function hashValues(
  a: string | null,
  b: string | null,
  c: string | null,
  d: string | null | undefined,
): void {
  PARTS.length = 0;
  PARTS.push(a, b, c);
  if (d !== undefined) PARTS.push(d);
  hash64PartsLanes(PARTS, LANES);
}

/** profileAnchors as (kind and flag, two hash lanes), strongest first, without strings. */
function anchorsInto(
  backbone: number,
  v: AnchorValues,
  profileKey: string,
  sink: (head: number, h1: number, h2: number) => void,
): void {
  const sx = v.sex ?? "";
  let n = 0;
  if (v.residentNo) {
    hash64Lanes(v.residentNo, LANES);
    sink(anchorHead("r", backbone), LANES[1] as number, LANES[2] as number);
    n++;
  }
  if (v.birthDate) {
    const d = v.birthDate;
    if (v.fullFolded) {
      hashValues(v.fullFolded, d, sx, undefined);
      sink(anchorHead("w", backbone), LANES[1] as number, LANES[2] as number);
      n++;
    }
    if (v.fullReading) {
      hashValues(v.fullReading, d, sx, undefined);
      sink(anchorHead("k", backbone), LANES[1] as number, LANES[2] as number);
      n++;
    }
    if (v.place) {
      const given = v.givenReading ?? v.givenFolded;
      if (given) {
        hashValues(given, d, sx, v.place);
        sink(anchorHead("g", backbone), LANES[1] as number, LANES[2] as number);
        n++;
      }
      if (v.familyFolded) {
        hashValues(v.familyFolded, d, sx, v.place);
        sink(anchorHead("f", backbone), LANES[1] as number, LANES[2] as number);
        n++;
      }
    }
  }
  if (n === 0) {
    parseHex16(profileKey, LANES);
    sink(anchorHead("p", backbone), LANES[1] as number, LANES[2] as number);
  }
}

function ymd(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = iso.replaceAll("-", "");
  return /^\d{8}$/.test(d) ? d : null;
}

/** Printable ASCII without spaces needs no normalising (the common case for numbers). */
const PLAIN = /^[\x21-\x7e]+$/;

function textKey(s: string | null | undefined): string | null {
  if (s == null) return null;
  if (PLAIN.test(s)) return s;
  const t = safeNfkc(s).replace(/[\s\u3000]+/g, "");
  return t === "" ? null : t;
}

/**
 * One record normalised: its column values (JAPANESE_COLUMNS order), the string that decides
 * which records are one profile (`identity`: every identity column's value with 学年 and
 * 抽出日 replaced by the year of entry) and the year of entry (profileKeyOf makes a new
 * profile's stable key and anchors from it). A pure
 * function of the record and the input's known family names, so it can be computed in a
 * worker thread (pipeline/link-pool.ts) with the same result.
 */
export interface NormalisedRecord {
  readonly row: readonly (string | null)[];
  readonly backbone: number;
  readonly entry: string | null;
  /** Key and anchors when already computed (a worker computes them once per identity). */
  readonly key?: string;
  readonly anchors?: readonly string[];
  /** A registry record's 通称 as a name of its own (see PreparedProfiles.attachTo). */
  readonly alias?: NormalisedRecord;
  /** True for that 通称 itself: never one profile with a row written the same way. */
  readonly isAlias?: boolean;
  /** Per column, the value's {@link Cell} when the normaliser has one (row[ci] is its value). */
  readonly cells?: readonly (Cell | null)[];
}

/**
 * Which records are one profile, as a string: equal values in every identity column (null kept
 * apart from any text by \u0002), the year of entry in place of 学年 and 抽出日, a 通称 apart.
 * The profile builder compares dictionary codes instead (no string per record); this is for
 * deduplicating a chunk in a worker thread (pipeline/link-worker.ts).
 */
export function identityOf(nr: NormalisedRecord): string {
  let identity = `${nr.isAlias ? "a" : ""}${nr.backbone}`;
  for (let ci = 0; ci < IDENTITY; ci++) {
    if (ci === GRADE || ci === AS_OF) continue;
    identity += `\u0001${nr.row[ci] ?? "\u0002"}`;
  }
  return `${identity}\u0001${nr.entry ?? "\u0002"}`;
}

export interface NormaliseOptions {
  readonly gaiji?: GaijiTable;
  readonly backboneSources?: readonly string[];
}

const C_ALL = JAPANESE_COLUMNS.length;
/** The last columns (birth year, month-day, name parts and sounds) are derived, not part of the identity. */
const IDENTITY = JAPANESE_COLUMNS.indexOf("birthYear");
const GRADE = JAPANESE_COLUMNS.indexOf("grade");
const AS_OF = JAPANESE_COLUMNS.indexOf("asOf");

function memo<T>(f: (s: string) => T): (s: string) => T {
  const m = new Map<string, T>();
  return (s) => {
    let v = m.get(s);
    if (v === undefined) {
      v = f(s);
      m.set(s, v);
    }
    return v;
  };
}

/**
 * 中黒 (・, half-width ･) separates the parts of a name written in katakana as a space does: a
 * school writes a foreign child as トラン・バン・ドゥク where the registry's カナ has spaces.
 */
const NAME_PART_SEPARATOR = /[・･]/g;

/** Memoised name and kana parsers (one pair shared by familiesOf and the normaliser). */
type NameParsers = ReturnType<typeof nameParsers>;

function nameParsers(gaiji: GaijiTable) {
  const nameOnce = (s: string) => parseName(s.replace(NAME_PART_SEPARATOR, " "), gaiji);
  const kanaOnce = (s: string) => parseName(normaliseKana(s).replace(NAME_PART_SEPARATOR, " "));
  const name = memo(nameOnce);
  const kana = memo(kanaOnce);
  return {
    name: (s: string | null | undefined) => (s == null ? null : name(s)),
    kana: (s: string | null | undefined) => (s == null ? null : kana(s)),
    /** Unmemoised: for values already distinct (a RecordColumns dictionary). */
    nameOnce,
    kanaOnce,
  };
}

/** A parsed 氏名 or カナ (null: not a name). */
type ParsedName = ReturnType<typeof parseName>;

/**
 * Records in columns: every distinct 氏名 and 氏名カナ parsed once, by dictionary code, for
 * familiesOf and the normaliser both (no memo map: the values are distinct already).
 */
interface ParsedByCode {
  readonly names: readonly ParsedName[];
  readonly kanas: readonly ParsedName[];
}

function parsedByCode(records: RecordColumns, parse: NameParsers): ParsedByCode {
  return {
    names: records.distinct("name").map(parse.nameOnce),
    kanas: records.distinct("nameKana").map(parse.kanaOnce),
  };
}

/**
 * 氏 (kanji and reading) that records write with a space: what names written without one
 * are split by. Each set is order-free, so chunks of the input can be collected apart and
 * united.
 */
export function familiesOf(
  records: RecordList<Pick<LinkRecord, "name" | "nameKana">>,
  options: NormaliseOptions = {},
  parse: NameParsers = nameParsers(options.gaiji ?? EMPTY_GAIJI),
  parsed?: ParsedByCode,
): { families: string[]; familyKana: string[] } {
  const families = new Set<string>();
  const familyKana = new Set<string>();
  if (records instanceof RecordColumns) {
    // Once per distinct 氏名 and 氏名カナ, not once per row (the sets are the same).
    const { names, kanas } = parsed ?? parsedByCode(records, parse);
    for (const n of names) if (n?.family) families.add(n.family);
    for (const k of kanas) if (k?.family) familyKana.add(k.family);
    return { families: [...families], familyKana: [...familyKana] };
  }
  for (let i = 0; i < records.length; i++) {
    const r = records.at(i) as Pick<LinkRecord, "name" | "nameKana">;
    const n = parse.name(r.name);
    if (n?.family) families.add(n.family);
    const k = parse.kana(r.nameKana);
    if (k?.family) familyKana.add(k.family);
  }
  return { families: [...families], familyKana: [...familyKana] };
}

/**
 * A name written in alphabet (a registry's foreign resident) or in カナ only (a school's way
 * with a foreign child): the names whose parts may come in another order.
 */
function isForeignScript(full: string): boolean {
  return /^[A-Za-z.'-]+$/.test(full) || /^[\u30A1-\u30FA\u30FC]+$/.test(full);
}

/**
 * The reading of a name's parts (split at spaces and ・), sorted: グエン ティ ラン and ティ ラン
 * グエン give the same value. Null for fewer than two parts.
 */
function namePartsOf(display: string, reading: (s: string) => string): string | null {
  const parts = display
    .split(" ")
    .map((p) => reading(p))
    .filter((p) => p !== "");
  return parts.length < 2 ? null : parts.sort().join(" ");
}

/**
 * A prepared column's value together with its code in the profile builder's dictionary of
 * that column, filled in by the builder the first time it encodes the value (`owner` is the
 * builder's dictionaries, so a cell never gives one builder's code to another). The
 * normaliser hands out one cell per distinct input value and column: a record that repeats a
 * 氏名, a date or an address reaches its codes without a string look-up per column.
 */
export interface Cell {
  readonly value: string;
  code: number;
  owner: unknown;
}

const cellOf = (value: string | null): Cell | null =>
  value === null ? null : { value, code: -1, owner: null };

/** What a record's 氏名 gives its row (columns familyRaw … fullFolded), once per distinct 氏名. */
interface NameFields {
  /** The name as written, spaces folded (for a foreign name without カナ: its skeleton). */
  readonly display: string;
  readonly full: string;
  readonly foreign: boolean;
  /** familyRaw, givenRaw, fullRaw, familyFolded, givenFolded, fullFolded. */
  readonly cells: readonly (Cell | null)[];
}

/** What a record's 氏名カナ gives its row (the three readings), once per distinct 氏名カナ. */
interface KanaFields {
  readonly display: string;
  /** familyReading, givenReading, fullReading. */
  readonly cells: readonly (Cell | null)[];
}

/** A birth date's row values (生年月日, birth year, month-day), once per distinct date. */
interface BirthFields {
  readonly dob: Cell;
  readonly year: Cell;
  readonly monthDay: Cell;
}

/** A date as 抽出日, 住定日 and 消除日 (one cell per column), once per distinct date. */
interface DateFields {
  readonly asOf: Cell;
  readonly since: Cell;
  readonly removed: Cell;
}

/** A 宛名番号 as the record's own number and as another source's reference to one. */
interface ResidentFields {
  readonly own: Cell;
  readonly other: Cell;
}

const FAMILY_RAW = JAPANESE_COLUMNS.indexOf("familyRaw");
const FAMILY_READING = JAPANESE_COLUMNS.indexOf("familyReading");
const BIRTH_DATE = JAPANESE_COLUMNS.indexOf("birthDate");
const SEX = JAPANESE_COLUMNS.indexOf("sex");
const ADDRESS = JAPANESE_COLUMNS.indexOf("address");
const SCHOOL = JAPANESE_COLUMNS.indexOf("school");
const RESIDENT_NO_OTHER = JAPANESE_COLUMNS.indexOf("residentNoOther");
const REGISTRY_STATUS = JAPANESE_COLUMNS.indexOf("registryStatus");
const RESIDENT_SINCE = JAPANESE_COLUMNS.indexOf("residentSince");
const REMOVED_DATE = JAPANESE_COLUMNS.indexOf("removedDate");
const BIRTH_YEAR = JAPANESE_COLUMNS.indexOf("birthYear");
const BIRTH_MONTH_DAY = JAPANESE_COLUMNS.indexOf("birthMonthDay");
const NAME_PARTS = JAPANESE_COLUMNS.indexOf("nameParts");
const NAME_SOUND = JAPANESE_COLUMNS.indexOf("nameSound");
const NAME_SOUND_SHORT = JAPANESE_COLUMNS.indexOf("nameSoundShort");

/**
 * A normaliser of records given the input's family names. Every field is worked out once per
 * distinct value (a 氏名, a 氏名カナ, a date, an address, a school, a 宛名番号) and the same
 * cells come back for every record that repeats it (see {@link Cell}): at metro (3.1 million
 * rows) one look-up per field instead of one per derived column and another per column in the
 * profile builder's dictionaries.
 */
export function createNormaliser(
  families: ReadonlySet<string>,
  familyKana: ReadonlySet<string>,
  options: NormaliseOptions = {},
  parse: NameParsers = nameParsers(options.gaiji ?? EMPTY_GAIJI),
): (r: LinkRecord) => NormalisedRecord {
  return normaliserOf(families, familyKana, options, parse).record;
}

/**
 * createNormaliser's record normaliser and the same for row i of records held in columns:
 * there each field's dictionary code finds its looked-up value in an array, so a row costs no
 * string hashing at all (the strings of a metro run lie all over the heap: a Map look-up by a
 * string touches the string as well as the map).
 */
function normaliserOf(
  families: ReadonlySet<string>,
  familyKana: ReadonlySet<string>,
  options: NormaliseOptions,
  parse: NameParsers,
): {
  record: (r: LinkRecord) => NormalisedRecord;
  columns: (records: RecordColumns, parsed?: ParsedByCode) => (i: number) => NormalisedRecord;
} {
  const backboneSources = new Set(options.backboneSources ?? ["jumin"]);
  const fold = memo(foldName);
  const reading = memo(readingKey);
  // Each field's work on one value, and memoised for the loop over records; the loop over
  // records in columns calls the unmemoised ones once per dictionary code (`byCode` below) —
  // there a memo would be one more Map look-up and insertion of a string per distinct value.
  const addressCell = (s: string) => cellOf(addressKey(s));
  const textCell = (s: string) => cellOf(textKey(s));
  const residentFields = (s: string): ResidentFields | null => {
    const v = textKey(s);
    return v === null ? null : { own: cellOf(v) as Cell, other: cellOf(v) as Cell };
  };
  const dateFields = (s: string): DateFields | null => {
    const v = ymd(s);
    if (v === null) return null;
    return { asOf: cellOf(v) as Cell, since: cellOf(v) as Cell, removed: cellOf(v) as Cell };
  };
  // A birth year or month-day is one of a few hundred values shared by many dates: one cell
  // each (by its four digits as a number), so the builder encodes each value once.
  const yearCells: (Cell | undefined)[] = [];
  const monthDayCells: (Cell | undefined)[] = [];
  const digits4 = (d: string, at: number): number =>
    ((d.charCodeAt(at) - 48) * 10 + (d.charCodeAt(at + 1) - 48)) * 100 +
    (d.charCodeAt(at + 2) - 48) * 10 +
    (d.charCodeAt(at + 3) - 48);
  const birthFields = (s: string): BirthFields | null => {
    const dob = ymd(s);
    if (dob === null) return null;
    // ymd gives eight ASCII digits.
    const y = digits4(dob, 0);
    const md = digits4(dob, 4);
    let year = yearCells[y];
    if (year === undefined) {
      year = cellOf(dob.slice(0, 4)) as Cell;
      yearCells[y] = year;
    }
    let monthDay = monthDayCells[md];
    if (monthDay === undefined) {
      monthDay = cellOf(dob.slice(4)) as Cell;
      monthDayCells[md] = monthDay;
    }
    return { dob: cellOf(dob) as Cell, year, monthDay };
  };
  const addressOf = memo(addressCell);
  const schoolOf = memo(textCell);
  const householdOf = memo(textCell);
  const residentOf = memo(residentFields);
  const dateOf = memo(dateFields);
  const birthOf = memo(birthFields);
  // 学年 (one cell per value), 性別 and the registry status: a handful of values.
  const gradeCells = new Map<number, Cell>();
  const gradeOf = (g: number): Cell => {
    let c = gradeCells.get(g);
    if (c === undefined) {
      c = cellOf(String(g)) as Cell;
      gradeCells.set(g, c);
    }
    return c;
  };
  const male = cellOf("1");
  const female = cellOf("2");
  const removedStatus = cellOf("removed");
  const currentStatus = cellOf("current");
  const partsOf = memo((s) => namePartsOf(s, reading));
  const soundsOf = memo(nameSkeletons);
  // A 氏 or 名 repeats across 氏名 (and its reading across カナ): its cells — as written and
  // folded, or its reading — are made once per distinct part and role, so the profile builder
  // encodes each value once (a cell keeps its code) instead of once per 氏名 that has it.
  const partCells = () =>
    memo((s): readonly [Cell | null, Cell | null] => [cellOf(s), cellOf(fold(s))]);
  const familyCells = partCells();
  const givenCells = partCells();
  const readingCells = () => memo((s) => cellOf(reading(s) || null));
  const familyReadingCell = readingCells();
  const givenReadingCell = readingCells();
  const nameFields = (n: ParsedName): NameFields | null => {
    if (n === null) return null;
    let family = n.family;
    let given = n.given;
    if (family === null) {
      const sp = splitByKnownFamily(n.full, families);
      if (sp) ({ family, given } = sp);
    }
    const f = family === null ? null : familyCells(family);
    const g = given === null ? null : givenCells(given);
    return {
      display: n.display,
      full: n.full,
      foreign: isForeignScript(n.full),
      cells: [
        f === null ? null : f[0],
        g === null ? null : g[0],
        cellOf(n.full),
        f === null ? null : f[1],
        g === null ? null : g[1],
        cellOf(fold(n.full)),
      ],
    };
  };
  const nameOf = memo((s) => nameFields(parse.name(s)));
  const kanaFields = (k: ParsedName): KanaFields | null => {
    if (k === null) return null;
    let familyK = k.family;
    let givenK = k.given;
    if (familyK === null) {
      const sp = splitByKnownFamily(k.full, familyKana, 8);
      if (sp) ({ family: familyK, given: givenK } = sp);
    }
    return {
      display: k.display,
      cells: [
        familyK === null ? null : familyReadingCell(familyK),
        givenK === null ? null : givenReadingCell(givenK),
        cellOf(reading(k.full) || null),
      ],
    };
  };
  const kanaOf = memo((s) => kanaFields(parse.kana(s)));
  /** A record's row from its fields, each already looked up once per distinct value. */
  const normalise = (
    backbone: number,
    n: NameFields | null,
    k: KanaFields | null,
    resident: ResidentFields | null,
    household: Cell | null,
    birth: BirthFields | null,
    sex: unknown,
    address: Cell | null,
    school: Cell | null,
    grade: number | null,
    asOf: DateFields | null,
    since: DateFields | null,
    removed: DateFields | null,
    isRemoved: boolean,
  ): NormalisedRecord => {
    const cells: (Cell | null)[] = new Array(C_ALL).fill(null);
    if (n !== null) for (let j = 0; j < 6; j++) cells[FAMILY_RAW + j] = n.cells[j] ?? null;
    if (k !== null) for (let j = 0; j < 3; j++) cells[FAMILY_READING + j] = k.cells[j] ?? null;
    if (resident !== null) {
      cells[0] = resident.own;
      // 宛名番号 of a non-registry row: the registry's own numbers are not compared with each other.
      if (!backbone) cells[RESIDENT_NO_OTHER] = resident.other;
    }
    cells[1] = household;
    if (birth !== null) {
      cells[BIRTH_DATE] = birth.dob;
      // Derived blocking keys (not part of the identity): birth year, birth month-day.
      cells[BIRTH_YEAR] = birth.year;
      cells[BIRTH_MONTH_DAY] = birth.monthDay;
    }
    cells[SEX] = sex === "male" ? male : sex === "female" ? female : null;
    cells[ADDRESS] = address;
    cells[SCHOOL] = school;
    if (grade !== null) {
      cells[GRADE] = gradeOf(grade);
      // The as-of date only matters next to a grade; leaving it out keeps one profile per child.
      if (asOf !== null) cells[AS_OF] = asOf.asOf;
    }
    if (backbone) {
      cells[REGISTRY_STATUS] = isRemoved ? removedStatus : currentStatus;
      if (since !== null) cells[RESIDENT_SINCE] = since.since;
      if (removed !== null) cells[REMOVED_DATE] = removed.removed;
    }
    const row: (string | null)[] = cells.map((c) => (c === null ? null : c.value));
    // A foreign name's reading as the set of its parts (order-free): see `namePartsOf`. Rare:
    // no cell, the builder encodes the string.
    if (k && n?.foreign) row[NAME_PARTS] = partsOf(k.display);
    // Its consonant skeleton, from the カナ or else from the alphabet or カナ written as the
    // name (a registry record without カナ): other transliterations (ja/foreign-sound.ts).
    if (n?.foreign) {
      const sounds = soundsOf(k ? k.display : n.display);
      row[NAME_SOUND] = sounds.full;
      row[NAME_SOUND_SHORT] = sounds.short;
    }
    const asOfYmd = row[AS_OF] ?? null;
    const gradeText = row[GRADE] ?? null;
    const entry =
      gradeText === null || asOfYmd === null
        ? null
        : `E${fiscalYearOf(asOfYmd) - Number(gradeText)}`;
    return { row, backbone, entry, cells };
  };
  const normaliseRecord = (r: LinkRecord, backbone: number): NormalisedRecord =>
    normalise(
      backbone,
      r.name == null ? null : nameOf(r.name),
      r.nameKana == null ? null : kanaOf(r.nameKana),
      r.residentNo == null ? null : residentOf(r.residentNo),
      r.householdNo == null ? null : householdOf(r.householdNo),
      r.birthDate == null ? null : birthOf(r.birthDate),
      r.sex,
      r.address == null ? null : addressOf(r.address),
      r.school == null ? null : schoolOf(r.school),
      r.grade == null || !Number.isFinite(r.grade) ? null : r.grade,
      r.asOf == null ? null : dateOf(r.asOf),
      r.residentSince == null ? null : dateOf(r.residentSince),
      r.removedDate == null ? null : dateOf(r.removedDate),
      Boolean(r.removedDate),
    );
  const record = (r: LinkRecord): NormalisedRecord => {
    const backbone = backboneSources.has(r.source) ? 1 : 0;
    const nr = normaliseRecord(r, backbone);
    if (backbone !== 1 || (r.alias == null && r.aliasKana == null)) return nr;
    // The 通称: the same record under its other name. Not a registry record itself (the
    // registry's own rules — overlapping 住民票, one record per number — hold for the record),
    // and without 世帯番号, so that the twins rule does not read it as a sibling.
    const alias = normaliseRecord(
      {
        ...r,
        name: r.alias ?? null,
        nameKana: r.aliasKana ?? null,
        householdNo: null,
        residentSince: null,
        removedDate: null,
      },
      0,
    );
    // Its own key (never that of a row written the same way), the anchors of its values.
    const made = profileKeyOf(alias);
    return {
      ...nr,
      alias: {
        ...alias,
        isAlias: true,
        key: hash64(`a\u0001${made.key}`),
        anchors: made.anchors,
      },
    };
  };
  const columns = (records: RecordColumns, parsed?: ParsedByCode) => {
    const F = RecordColumns.field;
    /** Per code of field f, make(value, code) once (null for a missing value). */
    const byCode = <T>(f: number, make: (v: string, code: number) => T) => {
      const values = records.valuesOf(f);
      const made: (T | undefined)[] = new Array(values.length);
      return (code: number): T | null => {
        if (code < 0) return null;
        let v = made[code];
        if (v === undefined) {
          v = make(values[code] as string, code);
          made[code] = v;
        }
        return v;
      };
    };
    const [fSource, fName, fKana, fAlias, fAliasKana, fResident, fHousehold] = [
      F("source"),
      F("name"),
      F("nameKana"),
      F("alias"),
      F("aliasKana"),
      F("residentNo"),
      F("householdNo"),
    ];
    const [fBirth, fSex, fAddress, fSchool, fGrade, fAsOf, fSince, fRemoved] = [
      F("birthDate"),
      F("sex"),
      F("address"),
      F("school"),
      F("grade"),
      F("asOf"),
      F("residentSince"),
      F("removedDate"),
    ];
    const backboneOf = byCode(fSource, (v) => (backboneSources.has(v) ? 1 : 0));
    const name = byCode(fName, (v, code) =>
      nameFields(parsed ? (parsed.names[code] ?? null) : parse.nameOnce(v)),
    );
    const kana = byCode(fKana, (v, code) =>
      kanaFields(parsed ? (parsed.kanas[code] ?? null) : parse.kanaOnce(v)),
    );
    const resident = byCode(fResident, residentFields);
    const household = byCode(fHousehold, textCell);
    const birth = byCode(fBirth, birthFields);
    const sexes = records.valuesOf(fSex);
    const address = byCode(fAddress, addressCell);
    const school = byCode(fSchool, textCell);
    const grades = records.valuesOf(fGrade);
    const asOf = byCode(fAsOf, dateFields);
    const since = byCode(fSince, dateFields);
    const removed = byCode(fRemoved, dateFields);
    const removedValues = records.valuesOf(fRemoved);
    return (i: number): NormalisedRecord => {
      const backbone = backboneOf(records.codeAt(i, fSource)) ?? 0;
      // A registry record with a 通称 (rare) goes the record's way, 通称 and all.
      if (backbone === 1 && (records.codeAt(i, fAlias) >= 0 || records.codeAt(i, fAliasKana) >= 0))
        return record(records.at(i) as LinkRecord);
      const sx = records.codeAt(i, fSex);
      const g = records.codeAt(i, fGrade);
      const gv = g < 0 ? null : (grades[g] as number);
      const rm = records.codeAt(i, fRemoved);
      return normalise(
        backbone,
        name(records.codeAt(i, fName)),
        kana(records.codeAt(i, fKana)),
        resident(records.codeAt(i, fResident)),
        household(records.codeAt(i, fHousehold)),
        birth(records.codeAt(i, fBirth)),
        sx < 0 ? null : sexes[sx],
        address(records.codeAt(i, fAddress)),
        school(records.codeAt(i, fSchool)),
        gv === null || !Number.isFinite(gv) ? null : gv,
        asOf(records.codeAt(i, fAsOf)),
        since(records.codeAt(i, fSince)),
        removed(rm),
        rm >= 0 && Boolean(removedValues[rm]),
      );
    };
  };
  return { record, columns };
}

/**
 * A new profile's stable key and anchors: the key hashes the normalised values, in the
 * grade's place the year of entry, in the 抽出日's nothing (rows without a grade hash as
 * before). Computed once per profile, not per record.
 */
export function profileKeyOf(nr: NormalisedRecord): { key: string; anchors: string[] } {
  const anchors: string[] = [];
  const key = profileKeyInto(nr, (head, h1, h2) => {
    anchors.push(anchorString(head, h1, h2));
  });
  return { key, anchors };
}

/** profileKeyOf with the anchors given to `sink` as numbers (the profile builder's way). */
function profileKeyInto(
  nr: NormalisedRecord,
  sink: (head: number, h1: number, h2: number) => void,
): string {
  const row = nr.row;
  const parts: (string | null)[] = [String(nr.backbone)];
  for (let ci = 0; ci < IDENTITY; ci++)
    parts.push(ci === GRADE ? nr.entry : ci === AS_OF ? null : (row[ci] ?? null));
  const key = hash64Parts(parts);
  anchorsInto(
    nr.backbone,
    {
      residentNo: row[0] ?? null,
      familyFolded: row[5] ?? null,
      givenFolded: row[6] ?? null,
      fullFolded: row[7] ?? null,
      givenReading: row[9] ?? null,
      fullReading: row[10] ?? null,
      birthDate: row[11] ?? null,
      sex: row[12] ?? null,
      place: row[14] ?? row[13] ?? null,
    },
    key,
    sink,
  );
  return key;
}

/**
 * The raw fields of a row with no name (乳幼児健診, 手帳 … known by 宛名番号 alone): such rows
 * repeat a few identities many times and map straight to their profile. Null otherwise.
 */
export function namelessRaw(r: LinkRecord, backboneSources: ReadonlySet<string>): string | null {
  if (r.name != null || r.nameKana != null) return null;
  const backbone = backboneSources.has(r.source) ? 1 : 0;
  return `${backbone}\u0001${r.residentNo ?? ""}\u0001${r.householdNo ?? ""}\u0001${r.birthDate ?? ""}\u0001${r.sex ?? ""}\u0001${r.address ?? ""}\u0001${r.school ?? ""}\u0001${r.grade ?? ""}\u0001${r.grade == null ? "" : (ymd(r.asOf) ?? "").slice(0, 6)}\u0001${r.residentSince ?? ""}\u0001${r.removedDate ?? ""}`;
}

/**
 * Normalises records into profiles and the column table the engine links.
 * `backboneSources` are the registry sources (default `jumin`).
 */
export function prepareProfiles(
  records: RecordList,
  options: NormaliseOptions = {},
): PreparedProfiles {
  // One memo of parsed names for both passes: each distinct name is parsed once, not twice.
  const parse = nameParsers(options.gaiji ?? EMPTY_GAIJI);
  const parsed = records instanceof RecordColumns ? parsedByCode(records, parse) : undefined;
  const f = familiesOf(records, options, parse, parsed);
  const normaliser = normaliserOf(new Set(f.families), new Set(f.familyKana), options, parse);
  const builder = createProfileBuilder(records.length, options);
  if (records instanceof RecordColumns) {
    prepareColumns(records, normaliser.columns(records, parsed), builder, options);
    return builder.finish();
  }
  const normalise = normaliser.record;
  for (let idx = 0; idx < records.length; idx++) {
    const r = records.at(idx) as LinkRecord;
    builder.add(idx, r, () => normalise(r));
  }
  return builder.finish();
}

/** The fields of a nameless row's identity (see namelessRaw), as RecordColumns fields. */
const NAMELESS_FIELDS = [
  "residentNo",
  "householdNo",
  "birthDate",
  "sex",
  "address",
  "school",
  "grade",
  "residentSince",
  "removedDate",
] as const;

/**
 * prepareProfiles over records in columns: the same profiles, numbers and codes as the loop
 * over records, with a nameless row's repeat found by its fields' codes (the values of
 * namelessRaw, compared as integers in an open-addressing table) instead of a string per row.
 */
function prepareColumns(
  records: RecordColumns,
  normalise: (i: number) => NormalisedRecord,
  builder: ReturnType<typeof createProfileBuilder>,
  options: NormaliseOptions,
): void {
  const F = RecordColumns.field;
  const backboneSources = new Set(options.backboneSources ?? ["jumin"]);
  const fName = F("name");
  const fKana = F("nameKana");
  const fSource = F("source");
  const fGrade = F("grade");
  const fAsOf = F("asOf");
  const fields = NAMELESS_FIELDS.map((n) => F(n));
  // namelessRaw writes a missing value and "" alike: the code of "" counts as missing.
  const blank = fields.map((f) => records.valuesOf(f).indexOf(""));
  const sources = records.valuesOf(fSource);
  const backboneOf = sources.map((v) => (backboneSources.has(v as string) ? 1 : 0));
  // 抽出日 → its year-month (what namelessRaw keeps of it, next to a grade) as a number.
  const asOfValues = records.valuesOf(fAsOf);
  const months = new Map<string, number>();
  const monthOf = asOfValues.map((v) => {
    const m = (ymd(v as string) ?? "").slice(0, 6);
    let id = months.get(m);
    if (id === undefined) {
      id = months.size;
      months.set(m, id);
    }
    return id;
  });
  const noMonth = (() => {
    const id = months.get("");
    return id === undefined ? months.size : id;
  })();
  const K = fields.length + 2;
  const key = new Int32Array(K);
  let keys = new Int32Array(K * 1024);
  let profiles = new Int32Array(1024);
  let used = 0;
  let slots = new Int32Array(1 << 12).fill(-1);
  const hashKey = (): number => {
    let h = 0x811c9dc5;
    for (let j = 0; j < K; j++) {
      h = Math.imul(h ^ (key[j] as number), 0x01000193);
      h ^= h >>> 15;
    }
    return h >>> 0;
  };
  const same = (e: number): boolean => {
    const base = e * K;
    for (let j = 0; j < K; j++) if (keys[base + j] !== key[j]) return false;
    return true;
  };
  const place = (h: number, e: number) => {
    const m = slots.length - 1;
    let i = h & m;
    while ((slots[i] as number) >= 0) i = (i + 1) & m;
    slots[i] = e;
  };
  const hashes: number[] = [];
  for (let i = 0; i < records.length; i++) {
    const nameless = records.codeAt(i, fName) < 0 && records.codeAt(i, fKana) < 0;
    if (!nameless) {
      builder.addNormalised(i, normalise(i));
      continue;
    }
    key[0] = backboneOf[records.codeAt(i, fSource)] ?? -1;
    for (let j = 0; j < fields.length; j++) {
      const c = records.codeAt(i, fields[j] as number);
      key[j + 1] = c === blank[j] ? -1 : c;
    }
    const g = records.codeAt(i, fGrade);
    const a = records.codeAt(i, fAsOf);
    key[K - 1] = g < 0 ? -1 : a < 0 ? noMonth : (monthOf[a] as number);
    const h = hashKey();
    const m = slots.length - 1;
    let found = -1;
    for (let s = h & m; ; s = (s + 1) & m) {
      const e = slots[s] as number;
      if (e < 0) break;
      if (hashes[e] === h && same(e)) {
        found = e;
        break;
      }
    }
    if (found >= 0) {
      builder.repeat(i, profiles[found] as number);
      continue;
    }
    const p = builder.addNormalised(i, normalise(i));
    if ((used + 1) * K > keys.length) {
      const grown = new Int32Array(keys.length * 2);
      grown.set(keys);
      keys = grown;
      const gp = new Int32Array(profiles.length * 2);
      gp.set(profiles);
      profiles = gp;
    }
    keys.set(key, used * K);
    profiles[used] = p;
    hashes.push(h);
    if ((used + 1) * 2 > slots.length) {
      slots = new Int32Array(slots.length * 2).fill(-1);
      for (let e = 0; e < used; e++) place(hashes[e] as number, e);
    }
    place(h, used);
    used++;
  }
}

/**
 * Builds the profiles from records given in input order (all of them, each once), each
 * with its normalised form — computed here or elsewhere (worker threads,
 * pipeline/link-pool.ts): the result is the same. `normalised` is called only for a record
 * that is not a repeat of an earlier nameless row.
 */
export function createProfileBuilder(
  count: number,
  options: NormaliseOptions = {},
): {
  add(index: number, record: LinkRecord, normalised: () => NormalisedRecord): void;
  /** Record `index` normalised (no check for a repeated nameless row): its profile. */
  addNormalised(index: number, nr: NormalisedRecord): number;
  /** Record `index` is one more row of profile p (a repeat found by the caller). */
  repeat(index: number, p: number): void;
  finish(): PreparedProfiles;
} {
  const backboneSources = new Set(options.backboneSources ?? ["jumin"]);
  // Columns are dictionary-encoded as profiles are found; a profile is its row of codes
  // (profile-major), so memory grows with distinct identities, not with rows.
  // 学年 and 抽出日 are not part of a profile's identity: the year the child entered 小1
  // (derived from both) is. A school writes the same child into every monthly 出欠 extract
  // with a new 抽出日 and, from April, a new 学年; all of these rows are one profile with one
  // key, so decisions and person ids keyed by it hold from month to month.
  const C = C_ALL;
  const dictionaries = JAPANESE_COLUMNS.map(() => ({
    index: new Map<string, number>(),
    values: [] as string[],
  }));
  const encode = (ci: number, v: string | null): number => {
    if (v === null) return -1;
    const d = dictionaries[ci] as { index: Map<string, number>; values: string[] };
    let c = d.index.get(v);
    if (c === undefined) {
      c = d.values.length;
      d.index.set(v, c);
      d.values.push(v);
    }
    return c;
  };
  // A cell's code, from the cell when this builder has filled it, else encoded once and kept.
  const codeOf = (ci: number, cell: Cell): number => {
    if (cell.owner === dictionaries) return cell.code;
    const c = encode(ci, cell.value);
    cell.code = c;
    cell.owner = dictionaries;
    return c;
  };
  const encodeCell = (nr: NormalisedRecord, ci: number): number => {
    const cell = nr.cells?.[ci];
    return cell ? codeOf(ci, cell) : encode(ci, nr.row[ci] ?? null);
  };
  let codes = new Int32Array(C * 1024);
  let backboneOf = new Uint8Array(1024);
  let attach = new Int32Array(1024).fill(-1);
  // Per profile: what of its identity is not a column code — 0 / 1 (the backbone flag) or
  // 2 (a 通称) — and its year of entry (code into `entries`, -1 for none).
  let kindOf = new Uint8Array(1024);
  let entryOf = new Int32Array(1024);
  const entries = new Map<string, number>();
  let size = 0;
  // The identity → profile index: open addressing (linear probing) over an Int32Array of
  // profile numbers (-1 = free), the hash of each profile in a Uint32Array beside it. A
  // record's identity is its row of dictionary codes, hashed and compared as integers: no
  // identity string per record, no Map<string, …> of 1.6 million long keys (metro).
  let slots = new Int32Array(1 << 12).fill(-1);
  let hashOf = new Uint32Array(1024);
  const probe = new Int32Array(C);
  const identityHash = (kind: number, entry: number): number => {
    let h = Math.imul(kind + 0x9e3779b9, 0x85ebca6b);
    for (let ci = 0; ci < IDENTITY; ci++) {
      if (ci === GRADE || ci === AS_OF) continue;
      h = Math.imul(h ^ (probe[ci] as number), 0x01000193);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ entry, 0x01000193);
    h ^= h >>> 13;
    return h >>> 0;
  };
  const sameIdentity = (p: number, kind: number, entry: number): boolean => {
    if (kindOf[p] !== kind || entryOf[p] !== entry) return false;
    const base = p * C;
    for (let ci = 0; ci < IDENTITY; ci++) {
      if (ci === GRADE || ci === AS_OF) continue;
      if (codes[base + ci] !== probe[ci]) return false;
    }
    return true;
  };
  const place = (h: number, p: number) => {
    const m = slots.length - 1;
    let i = h & m;
    while ((slots[i] as number) >= 0) i = (i + 1) & m;
    slots[i] = p;
  };
  const profileKeys: string[] = [];
  const anchorTable = new AnchorTableBuilder();
  const addAnchor = (head: number, h1: number, h2: number) => anchorTable.add(head, h1, h2);
  const profileOf = new Int32Array(count);
  const rawIndex = new Map<string, number>();
  const add = (idx: number, r: LinkRecord, normalised: () => NormalisedRecord) => {
    const raw = namelessRaw(r, backboneSources);
    if (raw !== null) {
      const known = rawIndex.get(raw);
      if (known !== undefined) {
        profileOf[idx] = known;
        return;
      }
    }
    const p = addNormalised(idx, normalised());
    if (raw !== null) rawIndex.set(raw, p);
  };
  const addNormalised = (idx: number, nr: NormalisedRecord): number => {
    const p = profileFor(nr);
    profileOf[idx] = p;
    // A 通称: a profile without records of its own, attached to the record's profile (the
    // first record to carry it keeps it).
    if (nr.alias) {
      const q = profileFor(nr.alias);
      if (q !== p && (attach[q] as number) < 0) attach[q] = p;
    }
    return p;
  };
  const repeat = (idx: number, p: number) => {
    profileOf[idx] = p;
  };
  const profileFor = (nr: NormalisedRecord): number => {
    // Identity columns encoded: a record equal to a known profile adds no value to any
    // dictionary, a new one the values it would add anyway (dictionaries are per column).
    for (let ci = 0; ci < IDENTITY; ci++)
      if (ci !== GRADE && ci !== AS_OF) probe[ci] = encodeCell(nr, ci);
    const kind = nr.isAlias ? 2 : nr.backbone;
    let entry = -1;
    if (nr.entry !== null) {
      const known = entries.get(nr.entry);
      if (known === undefined) {
        entry = entries.size;
        entries.set(nr.entry, entry);
      } else entry = known;
    }
    const h = identityHash(kind, entry);
    const m = slots.length - 1;
    for (let i = h & m; ; i = (i + 1) & m) {
      const q = slots[i] as number;
      if (q < 0) break;
      if (hashOf[q] === h && sameIdentity(q, kind, entry)) return q;
    }
    {
      const p = size++;
      if (codes.length < size * C) {
        const grown = new Int32Array(codes.length * 2);
        grown.set(codes);
        codes = grown;
        const b = new Uint8Array(backboneOf.length * 2);
        b.set(backboneOf);
        backboneOf = b;
        const t = new Int32Array(attach.length * 2).fill(-1);
        t.set(attach);
        attach = t;
        const k = new Uint8Array(kindOf.length * 2);
        k.set(kindOf);
        kindOf = k;
        const e = new Int32Array(entryOf.length * 2);
        e.set(entryOf);
        entryOf = e;
        const hs = new Uint32Array(hashOf.length * 2);
        hs.set(hashOf);
        hashOf = hs;
      }
      // Load at most one half: grow the slots and place every profile again.
      if (size * 2 > slots.length) {
        slots = new Int32Array(slots.length * 2).fill(-1);
        for (let q = 0; q < size - 1; q++) place(hashOf[q] as number, q);
      }
      place(h, p);
      hashOf[p] = h;
      kindOf[p] = kind;
      entryOf[p] = entry;
      const base = p * C;
      for (let ci = 0; ci < C; ci++)
        codes[base + ci] =
          ci < IDENTITY && ci !== GRADE && ci !== AS_OF
            ? (probe[ci] as number)
            : encodeCell(nr, ci);
      backboneOf[p] = nr.backbone;
      if (nr.key !== undefined && nr.anchors !== undefined) {
        profileKeys.push(nr.key);
        for (const a of nr.anchors) anchorTable.addString(a);
      } else profileKeys.push(profileKeyInto(nr, addAnchor));
      anchorTable.endProfile();
      return p;
    }
  };
  const finish = (): PreparedProfiles => {
    const wildcard = new Set(JAPANESE_SETTINGS.wildcardColumns);
    const columns = new Map<string, Column>();
    JAPANESE_COLUMNS.forEach((name, ci) => {
      const d = dictionaries[ci] as { values: string[] };
      const col = new Int32Array(size);
      const counts = new Int32Array(d.values.length);
      let present = 0;
      for (let p = 0; p < size; p++) {
        const c = codes[p * C + ci] as number;
        col[p] = c;
        if (c >= 0) {
          counts[c] = (counts[c] as number) + 1;
          present++;
        }
      }
      let unknown: Uint8Array | null = null;
      if (wildcard.has(name))
        unknown = Uint8Array.from(d.values, (v) => (v.includes(UNKNOWN_CHAR) ? 1 : 0));
      columns.set(name, { name, codes: col, values: d.values, counts, present, unknown });
    });
    // Records per profile, as offsets into one array (no array per profile).
    const recordOffsets = new Int32Array(size + 1);
    for (let i = 0; i < count; i++) {
      const p = profileOf[i] as number;
      recordOffsets[p + 1] = (recordOffsets[p + 1] as number) + 1;
    }
    for (let p = 0; p < size; p++)
      recordOffsets[p + 1] = (recordOffsets[p + 1] as number) + (recordOffsets[p] as number);
    const fill = recordOffsets.slice(0, size);
    const recordOrder = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const p = profileOf[i] as number;
      recordOrder[fill[p] as number] = i;
      fill[p] = (fill[p] as number) + 1;
    }
    return {
      table: {
        size,
        group: new Int32Array(size),
        backbone: backboneOf.slice(0, size),
        columns,
      },
      profileOf,
      recordOffsets,
      recordOrder,
      keys: profileKeys,
      anchors: anchorTable.finish(),
      attachTo: attach.slice(0, size),
    };
  };
  return { add, addNormalised, repeat, finish };
}

/** The input records of a profile, ascending. */
export function recordsOf(prepared: PreparedProfiles, profile: number): number[] {
  return Array.from(
    prepared.recordOrder.subarray(
      prepared.recordOffsets[profile],
      prepared.recordOffsets[profile + 1],
    ),
  );
}

/**
 * School year counted from 小1 (1) to 中3 (9) from 学校名 and the 学年 within
 * the school: a 中学校 adds 6; 小学校 and 義務教育学校 (学校教育法 第49条の2,
 * grades 1–9) count as they are. Null when the grade is missing or out of range.
 */
export function schoolYearOf(
  school: string | null | undefined,
  grade: number | null | undefined,
): number | null {
  if (grade == null || !Number.isInteger(grade) || grade < 1) return null;
  const s = school ? safeNfkc(school) : "";
  const junior = /中学|中等教育学校/.test(s) && !/義務教育学校/.test(s);
  const year = junior ? grade + 6 : grade;
  return year <= 9 ? year : null;
}

/** One input record's link (cli.md `export links`). */
export interface RecordLink {
  /** Null only when the record has no identifying value at all. */
  readonly personId: PersonId | null;
  readonly method: LinkMethod;
  /** Match probability of the link: 1 for id and manual links, null when unlinked. */
  readonly probability: number | null;
  readonly profileKey: string;
}

/** How a record came to its person, as stored in RecordLinks.method. */
export const LINK_METHODS: readonly LinkMethod[] = ["id", "probabilistic", "manual", "unlinked"];
const METHOD_CODE: Readonly<Record<LinkMethod, number>> = {
  id: 0,
  probabilistic: 1,
  manual: 2,
  unlinked: 3,
};

/**
 * Every input record's link, in columns: three numbers a record instead of an object (a metro
 * run links three million rows; as objects, with their boxed probabilities, they were a
 * quarter of a gigabyte). The profile key is the profile's (PreparedProfiles.keys), shared by
 * its records. `at(i)` gives one record's link as a RecordLink.
 */
export class RecordLinks {
  constructor(
    /** The persons' ids; `person` holds indices into it. */
    readonly personIds: readonly PersonId[],
    /** Per record: index into personIds, or -1 (no person). */
    readonly person: Int32Array,
    /** Per record: index into LINK_METHODS. */
    readonly method: Uint8Array,
    /** Per record: the link's probability, NaN when unlinked. */
    readonly probability: Float64Array,
    private readonly keys: readonly string[],
    private readonly profileOf: Int32Array,
  ) {}

  get length(): number {
    return this.person.length;
  }

  personId(i: number): PersonId | null {
    const p = this.person[i];
    return p === undefined || p < 0 ? null : (this.personIds[p] as PersonId);
  }

  methodOf(i: number): LinkMethod {
    return LINK_METHODS[this.method[i] as number] as LinkMethod;
  }

  at(i: number): RecordLink | undefined {
    if (i < 0 || i >= this.person.length) return undefined;
    const pr = this.probability[i] as number;
    return {
      personId: this.personId(i),
      method: this.methodOf(i),
      probability: Number.isNaN(pr) ? null : pr,
      profileKey: this.keys[this.profileOf[i] as number] as string,
    };
  }

  map<T>(f: (link: RecordLink, i: number) => T): T[] {
    const out = new Array<T>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = f(this.at(i) as RecordLink, i);
    return out;
  }

  findIndex(f: (link: RecordLink, i: number) => boolean): number {
    for (let i = 0; i < this.length; i++) if (f(this.at(i) as RecordLink, i)) return i;
    return -1;
  }

  slice(start = 0, end = this.length): RecordLink[] {
    const out: RecordLink[] = [];
    for (let i = Math.max(0, start); i < Math.min(end, this.length); i++)
      out.push(this.at(i) as RecordLink);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<RecordLink> {
    for (let i = 0; i < this.length; i++) yield this.at(i) as RecordLink;
  }
}

/** A person (cli.md `export persons`), with its records. */
export interface LinkedPerson {
  readonly personId: PersonId;
  readonly residentNos: readonly string[];
  readonly name: string | null;
  readonly nameKana: string | null;
  readonly birthDate: string | null;
  readonly sex: Sex | null;
  readonly householdNo: string | null;
  /** True when the person holds a resident-registry record. */
  readonly resident: boolean;
  /** Indices into the input records. */
  readonly records: readonly number[];
}

/** A pair for a person to decide (same / different). */
export interface ReviewItem {
  readonly leftKey: string;
  readonly rightKey: string;
  readonly leftRecords: readonly number[];
  readonly rightRecords: readonly number[];
  readonly leftPerson: PersonId | null;
  readonly rightPerson: PersonId | null;
  readonly weight: number;
  readonly probability: number;
  readonly reason: "band" | "ambiguous";
  readonly explanation: Waterfall;
  /** Anchors of both sides, stored with a decision so that it follows the records. */
  readonly leftAnchors: readonly string[];
  readonly rightAnchors: readonly string[];
  /** Combinations of the two persons' records folded into this one item. */
  readonly pairs: number;
  /** Source rows of the records in those combinations: what one decision settles. */
  readonly rows: number;
  /** Those rows per source. */
  readonly sourceRows: Readonly<Record<string, number>>;
  /** Sources and schools of those rows (for filtering the queue). */
  readonly sources: readonly string[];
  readonly schools: readonly string[];
}

/** A split or merge of earlier persons, explained for the run's record. */
export interface PersonEvent {
  readonly kind: "split" | "merge";
  readonly personId: PersonId;
  readonly otherPersonId: PersonId;
  readonly shared: number;
  /** "decision": a reviewer's decision touches the person; "data": records were added or changed. */
  readonly cause: "decision" | "data";
  readonly explanation: string;
}

export interface LinkResult {
  readonly links: RecordLinks;
  readonly persons: readonly LinkedPerson[];
  /** Persons holding no registry record but records of other sources (居所不明 risk). */
  readonly unmatched: readonly PersonId[];
  readonly review: readonly ReviewItem[];
  readonly model: TrainedModel;
  /** This run's anchors → person ids (merge into the state for the next run). */
  readonly assignment: PersonIdAssignment;
  /** Earlier persons split or merged by this run. */
  readonly events: readonly PersonEvent[];
  /** Per decision given (same order): how many pairs of this run's records it was applied to. */
  readonly decisions: readonly number[];
  readonly settings: LinkageSettings;
  readonly stats: {
    readonly records: number;
    readonly profiles: number;
    readonly blockedPairs: number;
    readonly blockingRules: EngineResult["blocking"]["rules"];
    readonly acceptedEdges: number;
    readonly cannotLinkPairs: number;
    readonly refused: EngineResult["clusters"]["refused"];
    readonly persons: number;
    readonly timings: Readonly<Record<string, number>>;
  };
  /** Internals for explanations (not serialised). */
  readonly context: { readonly prepared: PreparedProfiles; readonly engine: EngineResult };
}

export interface LinkOptions {
  readonly settings?: LinkageSettings;
  readonly gaiji?: GaijiTable;
  readonly backboneSources?: readonly string[];
  /** Reviewers' earlier decisions; pairs whose profiles are not in this run are ignored. */
  readonly decisions?: readonly ReviewDecision[];
  /** Person ids of earlier runs (anchor → id, next number). */
  readonly previous?: PersonIdState;
  /** A trained model to reuse instead of training. */
  readonly model?: TrainedModel;
  readonly clock?: () => number;
  /** The records' profiles, already prepared (pipeline/link-pool.ts does it in worker threads). */
  readonly prepared?: PreparedProfiles;
}

/**
 * The profiles of this run that a decision's side stands for: the profile with the key
 * decided on; else, when that profile is gone (a move of school, a corrected or changed
 * name, a new grade), the profiles sharing an anchor with the side that belonged to the
 * same person as the side's own anchors (by the person-id state of earlier runs: the
 * person ids are stable, so this tells one child from a namesake or a twin). Without that
 * state (a first run), the side's strongest anchor still present, when it is unambiguous:
 * a registry side only by its 宛名番号.
 */
function resolveDecisions(
  prepared: PreparedProfiles,
  decisions: readonly ReviewDecision[],
  previous: PersonIdState | undefined,
): { rows: { a: number; b: number; same: boolean }[]; applied: number[] } {
  if (decisions.length === 0) return { rows: [], applied: [] };
  const keyIndex = new Map<string, number>();
  prepared.keys.forEach((k, i) => {
    keyIndex.set(k, i);
  });
  // Anchors asked for by sides whose profile is gone: found in one pass over the profiles.
  const wanted = new Map<string, number[]>();
  for (const d of decisions)
    for (const [key, anchors] of [
      [d.left, d.leftAnchors],
      [d.right, d.rightAnchors],
    ] as const)
      if (!keyIndex.has(key)) for (const a of anchors ?? []) wanted.set(a, []);
  if (wanted.size > 0) {
    // By anchor number: one pass over the profiles' packed anchors, no string per anchor.
    const byNumber = new Map<number, number[]>();
    for (const [a, list] of wanted) {
      const n = prepared.anchors.find(a);
      if (n >= 0) byNumber.set(n, list);
    }
    for (let p = 0; p < prepared.anchors.profiles; p++)
      for (const n of prepared.anchors.of(p)) byNumber.get(n)?.push(p);
  }
  /** The earlier person most of these anchors belonged to (a 宛名番号 counts twice). */
  const personOf = (anchors: readonly string[]): string | undefined => {
    if (!previous) return undefined;
    const tally = new Map<string, number>();
    for (const a of anchors) {
      const id = previous.byKey.get(a);
      if (id !== undefined) tally.set(id, (tally.get(id) ?? 0) + (a[0] === "r" ? 2 : 1));
    }
    let best: string | undefined;
    let n = 0;
    for (const [id, k] of tally)
      if (k > n || (k === n && best !== undefined && id < best)) {
        best = id;
        n = k;
      }
    return best;
  };
  const side = (key: string, anchors: readonly string[] | undefined): number[] => {
    const p = keyIndex.get(key);
    if (p !== undefined) return [p];
    const list = anchors ?? [];
    const registry = list[0]?.startsWith("r1") === true;
    const usable = registry ? list.slice(0, 1) : list;
    const person = personOf(list);
    if (person !== undefined)
      // Strongest anchor first: the profiles found through it that belonged to that person.
      for (const a of usable) {
        const same = (wanted.get(a) ?? []).filter(
          (q) => personOf(prepared.anchors.stringsOf(q)) === person,
        );
        if (same.length > 0) return same;
      }
    for (const a of usable) {
      const found = wanted.get(a) ?? [];
      if (found.length === 0) continue;
      const limit = a[0] === "g" || a[0] === "f" ? 1 : a[0] === "r" ? 8 : 3;
      if (found.length <= limit) return found;
    }
    return [];
  };
  const rows: { a: number; b: number; same: boolean }[] = [];
  const applied = decisions.map((d) => {
    const left = side(d.left, d.leftAnchors);
    const right = side(d.right, d.rightAnchors);
    // A side cannot be both: "different" for records found on both sides is not applied.
    if (!d.same && left.some((a) => right.includes(a))) return 0;
    let n = 0;
    for (const a of left)
      for (const b of right)
        if (a !== b) {
          rows.push({ a, b, same: d.same });
          n++;
        }
    return n;
  });
  return { rows, applied };
}

/**
 * Per anchor number of this run: the person it belonged to in earlier runs (an index into
 * `ids`), or -1. One pass over the earlier state; anchors of earlier runs that are not
 * anchors of this run are skipped.
 */
function previousOfAnchors(
  anchors: AnchorTable,
  previous: PersonIdState | undefined,
): { of: Int32Array; ids: string[] } {
  const of = new Int32Array(anchors.size).fill(-1);
  const ids: string[] = [];
  if (!previous || previous.byKey.size === 0) return { of, ids };
  const index = new Map<string, number>();
  for (const [key, id] of previous.byKey) {
    const a = anchors.find(key);
    if (a < 0) continue;
    let k = index.get(id);
    if (k === undefined) {
      k = ids.length;
      index.set(id, k);
      ids.push(id);
    }
    of[a] = k;
  }
  return { of, ids };
}

/**
 * Per profile, the person it belonged to in earlier runs (as an integer code), by its
 * strong anchors only (宛名番号, 氏名 or its reading with 生年月日 and 性別; anchors by
 * school are shared by namesakes); -1 when unknown or when they disagree.
 */
function previousPersons(anchors: AnchorTable, previousOf: Int32Array): Int32Array {
  const out = new Int32Array(anchors.profiles).fill(-1);
  for (let p = 0; p < out.length; p++) {
    let id = -1;
    for (const a of anchors.of(p)) {
      const k = anchors.kind(a);
      if (k !== 114 /* r */ && k !== 119 /* w */ && k !== 107 /* k */) continue;
      const x = previousOf[a] as number;
      if (x < 0) continue;
      if (id >= 0 && x !== id) {
        id = -1;
        break;
      }
      id = x;
    }
    out[p] = id;
  }
  return out;
}

/** Links records to persons. Pure: same input, same output. */
/**
 * Per profile: a bit per source of its records (sources in order of first appearance;
 * beyond 32 sources, bits are shared, which only makes complementary records rarer).
 */
export function sourceMaskOf(prepared: PreparedProfiles, records: RecordList): Uint32Array {
  const bit = new Map<string, number>();
  const out = new Uint32Array(prepared.table.size);
  for (let i = 0; i < records.length; i++) {
    const src = sourceOf(records, i);
    let b = bit.get(src);
    if (b === undefined) {
      b = 1 << (bit.size % 32);
      bit.set(src, b);
    }
    const p = prepared.profileOf[i] as number;
    out[p] = (out[p] as number) | b;
  }
  return out;
}

export function linkRecords(records: RecordList, options: LinkOptions = {}): LinkResult {
  const settings = options.settings ?? JAPANESE_SETTINGS;
  const clock = options.clock ?? (() => 0);
  const t0 = clock();
  const prepared = options.prepared ?? prepareProfiles(records, options);
  const tPrep = clock() - t0;
  const resolved = resolveDecisions(prepared, options.decisions ?? [], options.previous);
  const decisions = resolved.rows;
  const earlier = previousOfAnchors(prepared.anchors, options.previous);
  const engine = runEngine(prepared.table, settings, {
    sourceMask: sourceMaskOf(prepared, records),
    attachTo: prepared.attachTo,
    decisions,
    model: options.model,
    ...(options.previous && options.previous.byKey.size > 0
      ? { previousPerson: previousPersons(prepared.anchors, earlier.of) }
      : {}),
    clock: options.clock,
  });
  const t1 = clock();
  const { clusters, edges, pairs } = engine;
  const table = prepared.table;

  // Persons: clusters of profiles that hold at least one identified record. The profiles of
  // each cluster (ascending) as offsets into one array, not an array per cluster (a metro run
  // has 1.6 million clusters: as arrays, with their room to grow, about 0.3 GB).
  const K = clusters.clusterCount;
  const clusterStart = new Int32Array(K + 1);
  for (let p = 0; p < table.size; p++)
    if (engine.empty[p] !== 1) {
      const c = (clusters.cluster[p] as number) + 1;
      clusterStart[c] = (clusterStart[c] as number) + 1;
    }
  for (let c = 0; c < K; c++)
    clusterStart[c + 1] = (clusterStart[c + 1] as number) + (clusterStart[c] as number);
  const clusterMembers = new Int32Array(clusterStart[K] as number);
  {
    const fill = clusterStart.slice(0, K);
    for (let p = 0; p < table.size; p++)
      if (engine.empty[p] !== 1) {
        const c = clusters.cluster[p] as number;
        clusterMembers[fill[c] as number] = p;
        fill[c] = (fill[c] as number) + 1;
      }
  }
  const profilesOf = (c: number): Int32Array =>
    clusterMembers.subarray(clusterStart[c] as number, clusterStart[c + 1] as number);
  /** The clusters that are persons, ascending; person i is cluster personClusters[i]. */
  const personClusters: number[] = [];
  const personIndexOfCluster = new Int32Array(K).fill(-1);
  for (let c = 0; c < K; c++)
    if ((clusterStart[c + 1] as number) > (clusterStart[c] as number)) {
      personIndexOfCluster[c] = personClusters.length;
      personClusters.push(c);
    }
  const residentCol = table.columns.get("residentNo");
  const residentNosOf = (profiles: Int32Array) => {
    const s = new Set<string>();
    if (residentCol)
      for (const p of profiles) {
        const c = residentCol.codes[p] as number;
        if (c >= 0) s.add(residentCol.values[c] as string);
      }
    return [...s].sort();
  };
  // Each person's anchors as numbers (domain/linkage/anchors.ts): the assignment needs no
  // string and no Map entry per anchor; the store makes the strings as it writes them.
  const anchors = prepared.anchors;
  const clusterAnchorStart = new Int32Array(personClusters.length + 1);
  personClusters.forEach((c, i) => {
    let n = 0;
    for (const p of profilesOf(c))
      n += (anchors.start[p + 1] as number) - (anchors.start[p] as number);
    clusterAnchorStart[i + 1] = (clusterAnchorStart[i] as number) + n;
  });
  const clusterAnchors = new Int32Array(clusterAnchorStart[personClusters.length] as number);
  personClusters.forEach((c, i) => {
    let k = clusterAnchorStart[i] as number;
    for (const p of profilesOf(c)) for (const a of anchors.of(p)) clusterAnchors[k++] = a;
  });
  const weights = new Uint8Array(anchors.size);
  for (let a = 0; a < weights.length; a++) weights[a] = anchors.kind(a) === 114 /* r */ ? 2 : 1;
  const assigned = assignPackedPersonIds(
    {
      start: clusterAnchorStart,
      anchor: clusterAnchors,
      weight: weights,
      previous: earlier.of,
      previousIds: earlier.ids,
      compare: (a, b) => anchors.compare(a, b),
    },
    options.previous?.nextSeq ?? 1,
  );
  const ids = assigned.ids;
  const events = assigned.events;
  const assignment: PersonIdAssignment = {
    nextSeq: assigned.nextSeq,
    // With the state it started from: the store tells new and changed anchors by number.
    updates: new AnchorAssignment(
      anchors,
      assigned.clusterOfAnchor,
      ids,
      options.previous ? { basis: options.previous.byKey, ...earlier } : undefined,
    ),
  };

  const persons: LinkedPerson[] = personClusters.map((c, i) => {
    // Exactly sized (kept with the person until the run is stored).
    const ps = profilesOf(c);
    let count = 0;
    for (const p of ps)
      count += (prepared.recordOffsets[p + 1] as number) - (prepared.recordOffsets[p] as number);
    const recs: number[] = new Array(count);
    let k = 0;
    for (const p of ps)
      for (
        let j = prepared.recordOffsets[p] as number;
        j < (prepared.recordOffsets[p + 1] as number);
        j++
      )
        recs[k++] = prepared.recordOrder[j] as number;
    recs.sort((a, b) => a - b);
    const backboneRecs = recs.filter((r) => table.backbone[prepared.profileOf[r] as number] === 1);
    // The display record: a current registry record, else any registry record, else the first.
    const pick =
      backboneRecs.find((r) => !records.at(r)?.removedDate) ??
      backboneRecs[0] ??
      (recs[0] as number);
    const rec = records.at(pick) as LinkRecord;
    const named = rec.name ? pick : (recs.find((r) => records.at(r)?.name) ?? pick);
    const shown = rec.name ? rec : (records.at(named) as LinkRecord);
    return {
      personId: ids[i] as PersonId,
      residentNos: residentNosOf(profilesOf(c)),
      name: shown.name ?? null,
      nameKana: shown.nameKana ?? null,
      birthDate: shown.birthDate ?? null,
      sex: shown.sex ?? null,
      householdNo: rec.householdNo ?? null,
      resident: backboneRecs.length > 0,
      records: recs,
    };
  });

  // Links in columns (RecordLinks): person index, method code, probability.
  const personIds = persons.map((x) => x.personId);
  const n = records.length;
  const linkPerson = new Int32Array(n).fill(-1);
  const linkMethod = new Uint8Array(n);
  const linkProbability = new Float64Array(n).fill(Number.NaN);
  const ID = METHOD_CODE.id;
  const PROBABILISTIC = METHOD_CODE.probabilistic;
  for (let r = 0; r < n; r++) {
    const p = prepared.profileOf[r] as number;
    if (engine.empty[p] === 1) {
      linkMethod[r] = METHOD_CODE.unlinked;
      continue;
    }
    linkPerson[r] = personIndexOfCluster[clusters.cluster[p] as number] as number;
    const e = clusters.linkEdge[p] as number;
    if (table.backbone[p] === 1 && e < 0) {
      linkMethod[r] = ID;
      linkProbability[r] = 1;
      continue;
    }
    // Alone in its person: unlinked, unless several rows share this identity (one child in
    // every monthly 出欠 file), which links them to each other.
    if (e < 0) {
      if ((prepared.recordOffsets[p + 1] as number) - (prepared.recordOffsets[p] as number) > 1) {
        linkMethod[r] = PROBABILISTIC;
        linkProbability[r] = 1;
      } else linkMethod[r] = METHOD_CODE.unlinked;
      continue;
    }
    const kind = edges.kind[e] as number;
    if (kind === EDGE_ID || kind === EDGE_MANUAL) {
      linkMethod[r] = kind === EDGE_ID ? ID : METHOD_CODE.manual;
      linkProbability[r] = 1;
      continue;
    }
    linkMethod[r] = PROBABILISTIC;
    linkProbability[r] = 1 / (1 + 2 ** -(edges.weight[e] as number));
  }
  const links = new RecordLinks(
    personIds,
    linkPerson,
    linkMethod,
    linkProbability,
    prepared.keys,
    prepared.profileOf,
  );

  // Rows with only a 世帯番号 (相談記録 kept per household) go to the member their 相談分野 is about.
  const personOfRecord: (PersonId | null)[] = new Array(n);
  for (let r = 0; r < n; r++) personOfRecord[r] = links.personId(r);
  const household = attributeHouseholdRows(
    records,
    personOfRecord,
    (options.backboneSources ?? ["jumin"])[0],
  );
  if (household.length > 0) {
    const personIndex = new Map(persons.map((x, i) => [x.personId, i]));
    const added = new Map<number, number[]>();
    for (const h of household) {
      const k = personIndex.get(h.person) as number;
      linkPerson[h.record] = k;
      linkMethod[h.record] = ID;
      linkProbability[h.record] = 1;
      const list = added.get(k);
      if (list) list.push(h.record);
      else added.set(k, [h.record]);
    }
    for (const [k, recs] of added) {
      const x = persons[k] as LinkedPerson;
      persons[k] = { ...x, records: [...x.records, ...recs].sort((a, b) => a - b) };
    }
  }

  const unmatched = persons.filter((x) => !x.resident).map((x) => x.personId);
  const explain = makeExplainer(engine.model, settings, table, engine.comparisons);
  // One item per pair of persons (not per combination of their records): the strongest
  // pair stands for it, and the item counts the rows one decision settles.
  const personOfProfile = (p: number): PersonId | null => {
    const k = personIndexOfCluster[clusters.cluster[p] as number] as number;
    return k < 0 ? null : (ids[k] as PersonId);
  };
  const groups = new Map<
    string,
    { rep: (typeof engine.review)[number]; members: number[][]; ambiguous: boolean }
  >();
  for (const rv of engine.review) {
    const pa = personOfProfile(rv.a) ?? `k${prepared.keys[rv.a]}`;
    const pb = personOfProfile(rv.b) ?? `k${prepared.keys[rv.b]}`;
    const gk = pa < pb ? `${pa}|${pb}` : `${pb}|${pa}`;
    const g = groups.get(gk);
    if (g) {
      g.members.push([rv.a, rv.b]);
      if (rv.reason === "ambiguous") g.ambiguous = true;
    } else
      groups.set(gk, { rep: rv, members: [[rv.a, rv.b]], ambiguous: rv.reason === "ambiguous" });
  }
  // A 通称 profile has no records: the item shows (and a decision keys) its registry record.
  const shown = (p: number) => {
    const to = prepared.attachTo[p] as number;
    return to >= 0 ? to : p;
  };
  const review: ReviewItem[] = [...groups.values()].map(({ rep, members, ambiguous }) => {
    const rv = { ...rep, a: shown(rep.a), b: shown(rep.b) };
    const profiles = new Set(members.flat().map(shown));
    const sourceRows: Record<string, number> = {};
    const schools = new Set<string>();
    let rows = 0;
    for (const p of profiles)
      for (const r of recordsOf(prepared, p)) {
        rows++;
        const rec = records.at(r) as LinkRecord;
        sourceRows[rec.source] = (sourceRows[rec.source] ?? 0) + 1;
        if (rec.school) schools.add(rec.school);
      }
    return {
      leftKey: prepared.keys[rv.a] as string,
      rightKey: prepared.keys[rv.b] as string,
      leftAnchors: prepared.anchors.stringsOf(rv.a),
      rightAnchors: prepared.anchors.stringsOf(rv.b),
      leftRecords: recordsOf(prepared, rv.a),
      rightRecords: recordsOf(prepared, rv.b),
      leftPerson: personOfProfile(rv.a),
      rightPerson: personOfProfile(rv.b),
      weight: rv.weight,
      probability: rv.probability,
      reason: ambiguous ? "ambiguous" : rv.reason,
      pairs: members.length,
      rows,
      sourceRows,
      sources: Object.keys(sourceRows).sort(),
      schools: [...schools].sort(),
      explanation: explain(rep.a, rep.b),
    };
  });
  // Splits and merges of earlier persons, with what caused them.
  const decidedIn = (same: boolean, cluster: number) =>
    resolved.rows.some(
      (d) =>
        d.same === same && (clusters.cluster[d.a] === cluster || clusters.cluster[d.b] === cluster),
    );
  const personEvents: PersonEvent[] = events.map((e) => {
    const c = personClusters[e.cluster] as number;
    const byDecision = decidedIn(e.kind === "merge", c);
    return {
      ...e,
      cause: byDecision ? "decision" : "data",
      explanation:
        e.kind === "split"
          ? `前回 ${e.personId} だった記録の一部が、今回は別の人物 ${e.otherPersonId} になりました（${byDecision ? "確認者の「別人」の判断による" : "記録の追加・変更で照合結果が変わったため"}）。`
          : `前回 ${e.otherPersonId} だった記録が、今回は ${e.personId} と同一人物として結ばれました（${byDecision ? "確認者の「同一人物」の判断による" : "記録の追加・変更で照合結果が変わったため"}）。`,
    };
  });
  const tPost = clock() - t1;
  return {
    links,
    persons,
    unmatched,
    review,
    model: engine.model,
    assignment,
    events: personEvents,
    decisions: resolved.applied,
    settings,
    stats: {
      records: records.length,
      profiles: table.size,
      blockedPairs: pairs.count,
      blockingRules: engine.blocking.rules,
      acceptedEdges: clusters.accepted.length,
      cannotLinkPairs: engine.cannotLinkPairs,
      refused: clusters.refused,
      persons: persons.length,
      timings: { prepare: tPrep, ...engine.timings, persons: tPost },
    },
    context: { prepared, engine },
  };
}

/**
 * Why a record is linked to its person: the waterfall of the pair through which
 * it joined. Null for records linked by id, by a reviewer, or not linked.
 */
export function explainLink(result: LinkResult, recordIndex: number): Waterfall | null {
  const { prepared, engine } = result.context;
  const p = prepared.profileOf[recordIndex];
  if (p === undefined) return null;
  const e = engine.clusters.linkEdge[p] as number;
  if (e < 0 || engine.edgePair[e] === -1) return null;
  const a = engine.edges.a[e] as number;
  const b = engine.edges.b[e] as number;
  return explainPair(engine.model, result.settings, prepared.table, engine.comparisons, a, b);
}

/**
 * A compact explanation per row for storage: the level and weight (bits, term
 * frequency included) of every comparison for the pair through which the row
 * joined its person; null for rows not joined by the model. Labels, m and u
 * come from the settings and model. The levels are the engine's own (computed once per
 * scored pair), so nothing is recomputed and nothing is kept per pair: a metro run's
 * explanations as waterfalls, cached per pair until the store ended, were the link stage's
 * largest transient (about 0.7 GB of RSS).
 */
export function linkExplanations(
  result: LinkResult,
): (recordIndex: number) => { levels: number[]; weights: number[] } | null {
  const { prepared, engine } = result.context;
  const C = engine.comparisons.length;
  const lw = levelWeights(engine.model);
  const tf = tfLookups(prepared.table, result.settings);
  const minU = result.settings.training.tfMinimumU;
  // Only the arrays an explanation reads are kept by the function (not the profiles' table or
  // the engine): the store holds it while it writes every row, and on a metro the rest is
  // hundreds of MB the run no longer needs (issue 15, peak memory).
  const levelsOf = engine.pairs.levels;
  const profileOf = prepared.profileOf;
  const linkEdge = engine.clusters.linkEdge;
  const edgePair = engine.edgePair;
  const edgeA = engine.edges.a;
  const edgeB = engine.edges.b;
  return (recordIndex) => {
    const p = profileOf[recordIndex];
    if (p === undefined) return null;
    const e = linkEdge[p] as number;
    if (e < 0) return null;
    const pair = edgePair[e] as number;
    if (pair === -1) return null;
    // An edge from a scored pair joins that pair's rows in its order (engine.ts).
    const i = edgeA[e] as number;
    const j = edgeB[e] as number;
    const levels = new Array<number>(C);
    const weights = new Array<number>(C);
    for (let c = 0; c < C; c++) {
      const l = levelsOf[pair * C + c] as number;
      levels[c] = l;
      if (l === 0) {
        weights[c] = 0;
        continue;
      }
      const w = (lw[c] as number[])[l - 1] as number;
      const t = tfAdjustment((tf[c] as (TfLookup | null)[])[l - 1] ?? null, i, j, minU);
      weights[c] = w + t;
    }
    return { levels, weights };
  };
}

/** Column names typed for callers that build tables by hand (tests, benchmarks). */
export type JapaneseColumn = ColumnName;
