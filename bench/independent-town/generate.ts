/**
 * An independent test town for 名寄せ (issue 15 acceptance: "also measured on independently
 * generated municipalities that are not in this repository"). Written from the shared file
 * layouts (shared/spec/layouts.md) and the gimei name list (shared/data/japanese-names, MIT)
 * only: nothing here imports or copies src/synth, and nothing in src/ is imported, so the
 * town's quirks are its own.
 *
 * `npx tsx bench/independent-town/generate.ts OUT [--seed N] [--households N] [--as-of DATE]`
 * writes the canonical source CSVs the importer accepts without a mapping (jumin, gakureibo,
 * shukketsu, gakko_kenshin, kokoro_check, nyuyoji_kenshin, hoiku_zaiseki, jido_fuyo,
 * shugaku_enjo, yotaikyo, ichiji_hogo, shogaiji_jukyusha, sodan_kiroku, ninpu_kenshin) and
 * OUT/truth/ (never imported): records.csv (file, row, true person, the difficulties the row
 * carries), persons.csv (twins, numbers, former surname, 通称).
 *
 * Difficulties, each with truth: surnames changed by divorce or remarriage after the school's
 * master was typed (school and 児童相談所 rows keep the old 氏); foreign residents in
 * alphabet with カナ in 住基 (some with a registered 通称, some with a 通称 only the school
 * knows) whom schools write in カナ or by the 通称; long vowels and small kana written
 * differently (ユウキ/ユーキ, オオノ/オーノ, ヂ/ジ, ヅ/ズ, ヴ/ブ, ショウ/シヨウ in old registry
 * systems, ッ dropped); 異体字 (髙/高, 﨑/崎, 邊/邉/辺, 齋/斎, 澤/沢, 濱/浜, 嶋/島); kanji
 * homophone slips (陽翔/陽斗), kana slips, month/day swaps and digit slips in birth dates;
 * names without a space; two 宛名番号 (a household that moved out and back); twins with
 * similar names in one household (must never merge); siblings; moves of school.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------- random

/** mulberry32: a small seeded generator, so a seed gives the same town everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- names

interface NameEntry {
  readonly kanji: string;
  readonly kana: string; // katakana
}

interface NameBook {
  readonly male: readonly NameEntry[];
  readonly female: readonly NameEntry[];
  readonly family: readonly NameEntry[];
  /** Given names by reading: other kanji for the same sound (陽翔 / 陽斗). */
  readonly byReading: ReadonlyMap<string, readonly string[]>;
}

const here = dirname(fileURLToPath(import.meta.url));
const GIMEI = join(here, "..", "..", "..", "shared", "data", "japanese-names", "gimei-names.yml");

/** Reads gimei-names.yml (a fixed, simple YAML: three lists of [kanji, hiragana, katakana, romaji]). */
export function readNameBook(path = process.env.MIMAMORI_GIMEI ?? GIMEI): NameBook {
  const lists: Record<string, NameEntry[]> = { male: [], female: [], last_name: [] };
  let current: NameEntry[] | undefined;
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const head = /^\s*(male|female|last_name):\s*$/.exec(line);
    if (head) {
      current = lists[head[1] as string];
      continue;
    }
    const m = /^\s*-\s*\['([^']*)',\s*'([^']*)',\s*'([^']*)',\s*'([^']*)'\]/.exec(line);
    if (m && current) current.push({ kanji: m[1] as string, kana: m[3] as string });
  }
  // Names written in kana only (あづさ) are kept: they are real given names.
  const byReading = new Map<string, string[]>();
  for (const e of [...(lists.male ?? []), ...(lists.female ?? [])]) {
    const l = byReading.get(e.kana) ?? [];
    if (!l.includes(e.kanji)) l.push(e.kanji);
    byReading.set(e.kana, l);
  }
  return {
    male: lists.male ?? [],
    female: lists.female ?? [],
    family: lists.last_name ?? [],
    byReading,
  };
}

/** 異体字 a registry may hold for a common character (MJ 縮退 in reverse); schools type the common one. */
const VARIANTS: Readonly<Record<string, readonly string[]>> = {
  高: ["髙"],
  崎: ["﨑", "嵜"],
  辺: ["邊", "邉"],
  斎: ["齋", "齊"],
  沢: ["澤"],
  浜: ["濱"],
  島: ["嶋"],
  広: ["廣"],
  国: ["國"],
  桜: ["櫻"],
  藤: ["籐"],
  富: ["冨"],
  吉: ["𠮷"],
};

/** Foreign residents: registry 氏名 in alphabet (family name first), its カナ, and a school's カナ. */
interface ForeignFamily {
  readonly nationality: string;
  readonly family: readonly [string, string];
  /** [alphabet, registry カナ] given names by sex. */
  readonly male: readonly (readonly [string, string])[];
  readonly female: readonly (readonly [string, string])[];
  /** A 通称 family name some households use (Korea, China). */
  readonly alias?: readonly [string, string];
}

const FOREIGN: readonly ForeignFamily[] = [
  {
    nationality: "ベトナム",
    family: ["NGUYEN", "グエン"],
    male: [
      ["VAN AN", "ヴァン アン"],
      ["DUC MINH", "ドゥック ミン"],
      ["QUANG HUY", "クアン フイ"],
    ],
    female: [
      ["THI LAN", "ティ ラン"],
      ["THI HOA", "ティ ホア"],
      ["NGOC ANH", "ゴック アイン"],
    ],
  },
  {
    nationality: "ベトナム",
    family: ["TRAN", "チャン"],
    male: [
      ["VAN DUC", "ヴァン ドゥック"],
      ["MINH KHOA", "ミン コア"],
    ],
    female: [
      ["THI MAI", "ティ マイ"],
      ["BAO NGOC", "バオ ゴック"],
    ],
  },
  {
    nationality: "ブラジル",
    family: ["SILVA", "シルヴァ"],
    male: [
      ["PEDRO HENRIQUE", "ペドロ エンリケ"],
      ["LUCAS GABRIEL", "ルーカス ガブリエル"],
      ["DAVI", "ダヴィ"],
    ],
    female: [
      ["ANA JULIA", "アナ ジュリア"],
      ["BEATRIZ", "ベアトリース"],
      ["VITORIA", "ヴィトーリア"],
    ],
  },
  {
    nationality: "ブラジル",
    family: ["OLIVEIRA", "オリヴェイラ"],
    male: [
      ["GUILHERME", "ギリェルメ"],
      ["RAFAEL", "ハファエル"],
    ],
    female: [
      ["LARISSA", "ラリッサ"],
      ["GIOVANNA", "ジョヴァンナ"],
    ],
  },
  {
    nationality: "フィリピン",
    family: ["SANTOS", "サントス"],
    male: [
      ["JOHN MARK", "ジョン マーク"],
      ["KEVIN", "ケヴィン"],
      ["WILLIAM", "ウィリアム"],
    ],
    female: [
      ["MARIA CLARA", "マリア クララ"],
      ["ANGELICA", "アンジェリカ"],
      ["JENNIFER", "ジェニファー"],
    ],
  },
  {
    nationality: "韓国",
    family: ["KIM", "キム"],
    male: [
      ["MINJUN", "ミンジュン"],
      ["SEOJUN", "ソジュン"],
    ],
    female: [
      ["SEOYEON", "ソヨン"],
      ["JIWOO", "ジウ"],
    ],
    alias: ["金本", "カネモト"],
  },
  {
    nationality: "中国",
    family: ["WANG", "ワン"],
    male: [
      ["HAORAN", "ハオラン"],
      ["ZIHAN", "ズーハン"],
    ],
    female: [
      ["XINYI", "シンイー"],
      ["YUTONG", "ユートン"],
    ],
    alias: ["王野", "オウノ"],
  },
];

// ---------------------------------------------------------------- kana spellings

/** How another office writes the same reading: long vowels as ー, ヂ/ヅ as ジ/ズ, ヴ as バ行. */
function respell(kana: string, r: () => number): { kana: string; tags: string[] } {
  const tags: string[] = [];
  let s = kana;
  if (/[オコソトノホモヨロゴゾドボポョウクスツヌフムユルグズヅブプュ]ウ/.test(s) && r() < 0.6) {
    s = s.replace(/([オコソトノホモヨロゴゾドボポョウクスツヌフムユルグズヅブプュ])ウ/g, "$1ー");
    tags.push("long-vowel");
  } else if (/[オコソトノホモヨロゴゾドボポョ]オ/.test(s) && r() < 0.6) {
    s = s.replace(/([オコソトノホモヨロゴゾドボポョ])オ/g, "$1ー");
    tags.push("long-vowel");
  }
  if (/[ヂヅ]/.test(s)) {
    s = s.replace(/ヂ/g, "ジ").replace(/ヅ/g, "ズ");
    tags.push("di-du");
  }
  if (/ヴ/.test(s)) {
    s = s
      .replace(/ヴァ/g, "バ")
      .replace(/ヴィ/g, "ビ")
      .replace(/ヴェ/g, "ベ")
      .replace(/ヴォ/g, "ボ")
      .replace(/ヴ/g, "ブ");
    tags.push("vu");
  }
  return { kana: s, tags };
}

/** Old registry systems without small kana: ショウ → シヨウ, キャ → キヤ, ッ → ツ. */
function largeKana(kana: string): string {
  const big: Record<string, string> = {
    ャ: "ヤ",
    ュ: "ユ",
    ョ: "ヨ",
    ッ: "ツ",
    ァ: "ア",
    ィ: "イ",
    ゥ: "ウ",
    ェ: "エ",
    ォ: "オ",
  };
  return kana.replace(/[ャュョッァィゥェォ]/g, (c) => big[c] ?? c);
}

/**
 * Other ways Japanese offices transliterate the same foreign name: ヴィ / ビ (respell), ティ / チ,
 * ウィ / ウイ, ジェ / ジエ, シルヴァ / シウバ (Brazilian Portuguese), long vowels and ッ kept or not.
 * Not チャン / トラン, nor ファン / ハン: the linkage keeps those apart as different names
 * (ファン is Phan, ハン is Han; チャン / トラン by the team's decision for issue 15), so the town
 * does not write one for the other.
 */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  シルヴァ: "シウバ",
  グエン: "グェン",
  ティ: "チ",
  ウィリアム: "ウイリアム",
  アンジェリカ: "アンジエリカ",
  ジェニファー: "ジエニファ",
  ハファエル: "ラファエル",
  オリヴェイラ: "オリベイラ",
  ギリェルメ: "ギレルメ",
  ベアトリース: "ベアトリス",
  ヴィトーリア: "ビトリア",
  ドゥック: "ドゥク",
  ゴック: "ゴク",
  アイン: "アン",
  ルーカス: "ルカス",
  ズーハン: "ツーハン",
  シンイー: "シンイ",
};

/**
 * How a school writes a foreign child's カナ name from the family's papers: given name first,
 * a middle name left out, parts joined with ・, another transliteration, ヴ and long vowels.
 */
function schoolForeignKana(kana: string, r: () => number): { kana: string; tags: string[] } {
  const tags: string[] = [];
  let [family, ...given] = kana.split(" ") as [string, ...string[]];
  if (r() < 0.25) {
    family = TRANSLITERATIONS[family] ?? family;
    given = given.map((g) => TRANSLITERATIONS[g] ?? g);
    tags.push("transliteration");
  }
  if (given.length >= 2 && r() < 0.2) {
    given = [given[given.length - 1] as string];
    tags.push("middle-dropped");
  }
  const order = r() < 0.25 ? [...given, family] : [family, ...given];
  if (order[0] !== family) tags.push("given-first");
  const sep = r() < 0.2 ? "・" : " ";
  if (sep === "・") tags.push("nakaguro");
  const spelled = respell(order.join(sep), r);
  return { kana: spelled.kana, tags: [...tags, ...spelled.tags] };
}

function toHiragana(kana: string): string {
  return kana.replace(/[ァ-ヶ]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

const KANA_SLIPS =
  "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";

// ---------------------------------------------------------------- dates

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}
function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return iso(d);
}
function wareki(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  if (date >= "2019-05-01") return `令和${y - 2018 === 1 ? "元" : y - 2018}年${m}月${d}日`;
  if (date >= "1989-01-08") return `平成${y - 1988 === 1 ? "元" : y - 1988}年${m}月${d}日`;
  return `昭和${y - 1925}年${m}月${d}日`;
}
function warekiShort(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  if (date >= "2019-05-01") return `R${y - 2018}.${m}.${d}`;
  if (date >= "1989-01-08") return `H${y - 1988}.${m}.${d}`;
  return `S${y - 1925}.${m}.${d}`;
}
const slash = (date: string) => date.replace(/-0?/g, "/").replace(/^(\d+)\/\//, "$1/");
const compact = (date: string) => date.replace(/-/g, "");

/** A typed birth date gone wrong: month and day swapped, or one digit slipped. */
function slipDate(date: string, r: () => number): string | null {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const ok = (yy: number, mm: number, dd: number) => {
    const t = new Date(Date.UTC(yy, mm - 1, dd));
    return t.getUTCMonth() === mm - 1 && t.getUTCDate() === dd;
  };
  const pad = (n: number) => String(n).padStart(2, "0");
  const kind = r();
  if (kind < 0.4 && d <= 12 && d !== m) return `${y}-${pad(d)}-${pad(m)}`;
  if (kind < 0.8) {
    const dd = d >= 28 ? d - 1 : d + 1;
    return ok(y, m, dd) ? `${y}-${pad(m)}-${pad(dd)}` : null;
  }
  const dd = d % 10 === 0 ? d + 1 : d - 10 > 0 ? d - 10 : d + 10;
  return ok(y, m, dd) ? `${y}-${pad(m)}-${pad(dd)}` : null;
}

/** The later of two ISO dates. */
const laterOf = (a: string, b: string): string => [a, b].sort()[1] as string;

/** Fiscal year (April–March) of a date. */
function fiscalYear(date: string): number {
  const y = Number(date.slice(0, 4));
  return date.slice(5) >= "04-01" ? y : y - 1;
}
/** School year 1..9 (小1..中3) on `asOf`, or 0 / >9 outside; 1 April births join the older year. */
function schoolYear(birth: string, asOf: string): number {
  const y = Number(birth.slice(0, 4));
  const entry = birth.slice(5) >= "04-02" ? y + 7 : y + 6;
  return fiscalYear(asOf) - entry + 1;
}

// ---------------------------------------------------------------- the town

interface Person {
  readonly id: string;
  household: Household;
  relationship: string;
  family: NameEntry;
  readonly given: NameEntry;
  readonly birth: string;
  readonly sex: 1 | 2;
  /** 宛名番号s, the earliest first; two for a household that moved out and back. */
  readonly residentNos: string[];
  /** Surname before a divorce or remarriage, and when it changed. */
  formerFamily?: NameEntry;
  changedOn?: string;
  foreign?: { nationality: string; alpha: string; kana: string };
  /** A 通称; `registered` when the registry extract carries it. */
  alias?: { name: NameEntry; registered: boolean };
  twin?: Person;
  /** A foreign resident's registry record without カナ (the column is optional). */
  noKana?: boolean;
  /** Registry kana written without small kana (an old system). */
  largeKana?: boolean;
  /** Registry kanji with an 異体字 (the school types the common form). */
  registryFamily?: string;
  /** Schools in period 1 and 2 (a move of school between them). */
  schools?: [string, string];
}

interface Household {
  readonly id: number;
  no: string;
  /** A household that moved out and back: the old 世帯番号 and its residence period. */
  old?: { no: string; from: string; to: string; back: string };
  readonly since: string;
  readonly address: string;
  readonly area: number;
  readonly members: Person[];
  singleParent: boolean;
  poor: boolean;
}

export interface TownOptions {
  readonly seed: number;
  readonly households: number;
  readonly asOf: string;
}

const ELEMENTARY = ["川辺第一小学校", "川辺第二小学校", "山手小学校", "みなと小学校"];
const JUNIOR = ["川辺中学校", "山手中学校"];
const AREAS = ["本町", "栄町", "山手", "港", "緑が丘", "旭", "川北", "中島"];
const NURSERIES = ["川辺保育園", "みどり保育所", "港こども園"];

interface Row {
  readonly values: readonly string[];
  readonly person: string;
  readonly tags: readonly string[];
}
interface SourceFile {
  readonly name: string;
  readonly header: readonly string[];
  readonly rows: Row[];
}

/** Generates the town in memory: the files (with their truth rows) and the persons. */
export function generateTown(options: TownOptions): { files: SourceFile[]; persons: Person[] } {
  const r = rng(options.seed);
  const book = readNameBook();
  const { asOf } = options;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const chance = (p: number) => r() < p;
  const dateBetween = (from: string, to: string) => {
    const a = Date.parse(`${from}T00:00:00Z`);
    const b = Date.parse(`${to}T00:00:00Z`);
    return iso(new Date(a + Math.floor(r() * ((b - a) / 86400000 + 1)) * 86400000));
  };
  const yearsBefore = (years: number) =>
    Number.isInteger(years)
      ? `${Number(asOf.slice(0, 4)) - years}${asOf.slice(4)}`
      : addDays(asOf, -Math.round(years * 365.25));

  let nextPerson = 1;
  let nextResident = 4_100_000 + Math.floor(r() * 1000) * 1000;
  let nextHousehold = 7_200_000 + Math.floor(r() * 1000) * 1000;
  const newResidentNo = () => {
    nextResident += 1 + Math.floor(r() * 3);
    return String(nextResident);
  };
  const newHouseholdNo = () => {
    nextHousehold += 1 + Math.floor(r() * 5);
    return String(nextHousehold).padStart(9, "0");
  };
  const persons: Person[] = [];
  const households: Household[] = [];

  const registryFamilyOf = (family: NameEntry): string | undefined => {
    const chars = [...family.kanji];
    const i = chars.findIndex((c) => VARIANTS[c]);
    if (i < 0 || !chance(0.35)) return undefined;
    chars[i] = pick(VARIANTS[chars[i] as string] as readonly string[]);
    return chars.join("");
  };
  const person = (
    household: Household,
    relationship: string,
    family: NameEntry,
    sex: 1 | 2,
    birth: string,
    given?: NameEntry,
  ): Person => {
    const p: Person = {
      id: `Q${String(nextPerson++).padStart(6, "0")}`,
      household,
      relationship,
      family,
      given: given ?? pick(sex === 1 ? book.male : book.female),
      birth,
      sex,
      residentNos: [],
    };
    household.members.push(p);
    persons.push(p);
    return p;
  };
  /** A given name like `other` (same first kanji, or same first kana) for a twin, not the same reading. */
  const twinName = (other: NameEntry, sex: 1 | 2): NameEntry => {
    const list = sex === 1 ? book.male : book.female;
    const first = [...other.kanji][0];
    const like = list.filter(
      (e) => e.kana !== other.kana && e.kanji !== other.kanji && [...e.kanji][0] === first,
    );
    if (like.length > 0 && chance(0.7)) return pick(like);
    const sound = list.filter((e) => e.kana !== other.kana && e.kana[0] === other.kana[0]);
    if (sound.length > 0) return pick(sound);
    for (;;) {
      const e = pick(list);
      if (e.kana !== other.kana) return e;
    }
  };

  for (let h = 0; h < options.households; h++) {
    const area = Math.floor(r() * AREAS.length);
    const household: Household = {
      id: h + 1,
      no: newHouseholdNo(),
      since: dateBetween("2000-01-01", yearsBefore(1)),
      address: `架空県川辺町${AREAS[area]}${1 + Math.floor(r() * 5)}丁目${1 + Math.floor(r() * 30)}番${1 + Math.floor(r() * 20)}号`,
      area,
      members: [],
      singleParent: false,
      poor: chance(0.08),
    };
    households.push(household);
    const kind = r();
    const foreignFamily = kind < 0.08 ? pick(FOREIGN) : undefined;
    const family = pick(book.family);
    const motherBirth = dateBetween("1975-01-01", "2000-12-31");
    const mother = person(household, "世帯主", family, 2, motherBirth);
    if (kind >= 0.08 && kind < 0.24) household.singleParent = true;
    else {
      person(household, "世帯主", family, 1, addDays(motherBirth, Math.floor(r() * 3000) - 1000));
      mother.relationship = "妻";
      household.members.reverse();
    }
    if (kind >= 0.24 && kind < 0.29) {
      // Three generations: the father's mother lives with them.
      person(household, "母", family, 2, dateBetween("1945-01-01", "1960-12-31"));
    }
    // Children: born when the mother was 20–42, none after the as-of date.
    const count = 1 + Math.floor(r() * 3);
    const children: Person[] = [];
    const m0 = Number(motherBirth.slice(0, 4));
    for (let c = 0; c < count; c++) {
      const birth = dateBetween(`${Math.max(m0 + 20, 2007)}-04-02`, addDays(asOf, -30));
      if (children.some((x) => Math.abs(Date.parse(x.birth) - Date.parse(birth)) < 400 * 86400000))
        continue;
      const sex = chance(0.5) ? 1 : 2;
      let given = pick(sex === 1 ? book.male : book.female);
      while (children.some((x) => x.given.kana === given.kana))
        given = pick(sex === 1 ? book.male : book.female);
      const child = person(household, "子", family, sex, birth, given);
      children.push(child);
      if (chance(0.025)) {
        // Twins: same day, same household, similar given names (never the same reading).
        const tsex: 1 | 2 = chance(0.6) ? sex : sex === 1 ? 2 : 1;
        const twin = person(household, "子", family, tsex, birth, twinName(given, tsex));
        child.twin = twin;
        twin.twin = child;
        children.push(twin);
      }
    }
    if (foreignFamily) {
      for (const p of household.members) {
        const names = p.sex === 1 ? foreignFamily.male : foreignFamily.female;
        const [alpha, kana] = pick(names);
        p.foreign = {
          nationality: foreignFamily.nationality,
          alpha: `${foreignFamily.family[0]} ${alpha}`,
          kana: `${foreignFamily.family[1]} ${kana}`,
        };
        if (foreignFamily.alias) {
          const given = pick(p.sex === 1 ? book.male : book.female);
          p.alias = {
            name: {
              kanji: `${foreignFamily.alias[0]} ${given.kanji}`,
              kana: `${foreignFamily.alias[1]} ${given.kana}`,
            },
            registered: chance(0.6),
          };
        }
      }
      // Twins of a foreign family still need different names.
      for (const c of children)
        if (c.twin && c.foreign && c.twin.foreign && c.foreign.kana === c.twin.foreign.kana)
          c.twin.foreign.kana = `${c.twin.foreign.kana}ニャ`;
    }
    const regFamily = registryFamilyOf(family);
    // A registry system without the 異体字 writes it as a private-use 外字 or as 〓.
    const gaiji = regFamily && chance(0.25) ? (chance(0.8) ? "pua" : "geta") : undefined;
    const written =
      regFamily && gaiji
        ? [...regFamily]
            .map((c, i) =>
              c !== [...family.kanji][i]
                ? gaiji === "pua"
                  ? String.fromCharCode(0xe000 + ((c.codePointAt(0) ?? 0) % 0x100))
                  : "〓"
                : c,
            )
            .join("")
        : regFamily;
    for (const p of household.members) {
      if (written) p.registryFamily = written;
      if (p.foreign && chance(0.2)) p.noKana = true;
      if (chance(0.03)) p.largeKana = true;
    }
    // Divorce (single mother, took back her own 氏) or remarriage (the children took the
    // stepfather's 氏), 6–30 months ago: the school's master keeps the old 氏.
    if (
      !foreignFamily &&
      children.length > 0 &&
      (household.singleParent ? chance(0.3) : chance(0.04))
    ) {
      const next = pick(book.family.filter((f) => f.kana !== family.kana));
      const on = dateBetween(yearsBefore(2.5), addDays(asOf, -180));
      for (const p of household.members) {
        if (p.birth > on) continue;
        p.formerFamily = p.family;
        p.changedOn = on;
        p.family = next;
        p.registryFamily = undefined;
      }
      for (const p of household.members) if (p.birth > on) p.family = next;
    }
    // Moved out and back: every member's first 宛名番号 is on a removed record.
    const movedBack = chance(0.04);
    for (const p of household.members) {
      p.residentNos.push(newResidentNo());
      if (movedBack) p.residentNos.push(newResidentNo());
    }
    if (movedBack) {
      const to = dateBetween(yearsBefore(2.8), yearsBefore(1.2));
      const from = household.since < addDays(to, -200) ? household.since : addDays(to, -900);
      household.old = { no: household.no, from, to, back: addDays(to, 60 + Math.floor(r() * 300)) };
      household.no = newHouseholdNo();
    }
  }

  // Schools: by area; 5 % of school children moved school between the two 出欠 periods.
  for (const p of persons) {
    const year = schoolYear(p.birth, asOf);
    if (year < 1 || year > 9) continue;
    const list = year <= 6 ? ELEMENTARY : JUNIOR;
    const now = list[p.household.area % list.length] as string;
    const before = chance(0.05) ? (list[(p.household.area + 1) % list.length] as string) : now;
    p.schools = [before, now];
  }

  // ------------------------------------------------------------ how each office writes a person

  const fmtName = (family: string, given: string, sep: string) => `${family}${sep}${given}`;
  const registryKanji = (p: Person) =>
    p.foreign ? p.foreign.alpha : fmtName(p.registryFamily ?? p.family.kanji, p.given.kanji, "　");
  const registryKana = (p: Person) => {
    if (p.foreign && p.noKana) return "";
    const kana = p.foreign
      ? p.foreign.kana.replace(" ", "　")
      : fmtName(p.family.kana, p.given.kana, "　");
    return p.largeKana ? largeKana(kana) : kana;
  };

  /** A school's master record of a child, typed at enrolment (or at the move in). */
  const schoolMaster = new Map<
    string,
    { name: string; kana: string; birth: string; sex: string; tags: string[] }
  >();
  const masterOf = (p: Person) => {
    const known = schoolMaster.get(p.id);
    if (known) return known;
    const tags: string[] = [];
    const family = p.formerFamily && p.changedOn && chance(0.85) ? p.formerFamily : p.family;
    if (family !== p.family) tags.push("old-surname");
    let name: string;
    let kana: string;
    if (p.foreign) {
      if (p.alias && chance(0.7)) {
        name = p.alias.name.kanji;
        kana = p.alias.name.kana;
        tags.push(p.alias.registered ? "alias" : "alias-unregistered");
      } else {
        const spelled = schoolForeignKana(p.foreign.kana, r);
        name = spelled.kana;
        kana = spelled.kana;
        tags.push("foreign-kana", ...spelled.tags);
      }
    } else {
      let given = p.given.kanji;
      const same = book.byReading.get(p.given.kana)?.filter((k) => k !== given) ?? [];
      if (same.length > 0 && chance(0.02)) {
        given = pick(same);
        tags.push("kanji-slip");
      }
      if (p.registryFamily && family === p.family) tags.push("itaiji");
      name = fmtName(family.kanji, given, chance(0.15) ? "" : chance(0.5) ? " " : "　");
      if (chance(0.15)) {
        const spelledFamily = respell(family.kana, r);
        const spelledGiven = respell(p.given.kana, r);
        kana = `${spelledFamily.kana} ${spelledGiven.kana}`;
        tags.push(...new Set([...spelledFamily.tags, ...spelledGiven.tags]));
      } else kana = `${family.kana} ${p.given.kana}`;
      if (/ッ/.test(kana) && chance(0.1)) {
        kana = kana.replace("ッ", "");
        tags.push("small-tsu-dropped");
      } else if (chance(0.015)) {
        const chars = [...kana];
        const i = 1 + Math.floor(r() * (chars.length - 1));
        if (chars[i] !== " ") {
          chars[i] = pick([...KANA_SLIPS]);
          kana = chars.join("");
          tags.push("kana-slip");
        }
      }
      if (chance(0.3)) kana = toHiragana(kana);
    }
    let birth = p.birth;
    if (chance(0.015)) {
      const slipped = slipDate(p.birth, r);
      if (slipped) {
        birth = slipped;
        tags.push("date-slip");
      }
    }
    const sex = chance(0.03) ? "" : chance(0.5) ? String(p.sex) : p.sex === 1 ? "男" : "女";
    const master = { name, kana, birth, sex, tags };
    schoolMaster.set(p.id, master);
    return master;
  };
  /** A 児童相談所 or 要対協 clerk's typing: hiragana or half-width kana, 和暦, slips of its own. */
  const welfareOf = (p: Person) => {
    const tags: string[] = [];
    const family = p.formerFamily && chance(0.5) ? p.formerFamily : p.family;
    if (family !== p.family) tags.push("old-surname");
    let name = p.foreign ? p.foreign.kana : fmtName(family.kanji, p.given.kanji, " ");
    let kana = p.foreign ? p.foreign.kana : `${family.kana} ${p.given.kana}`;
    if (p.foreign) tags.push("foreign-kana");
    if (!p.foreign && chance(0.2)) {
      const spelled = respell(kana, r);
      kana = spelled.kana;
      tags.push(...spelled.tags);
    }
    if (!p.foreign && p.registryFamily && family === p.family && chance(0.5)) {
      name = fmtName(p.registryFamily, p.given.kanji, " ");
    } else if (p.registryFamily && family === p.family) tags.push("itaiji");
    kana = chance(0.5) ? toHiragana(kana) : kana;
    let birth = p.birth;
    if (chance(0.02)) {
      const slipped = slipDate(p.birth, r);
      if (slipped) {
        birth = slipped;
        tags.push("date-slip");
      }
    }
    return { name, kana, birth: chance(0.5) ? wareki(birth) : warekiShort(birth), tags };
  };

  // ------------------------------------------------------------ the files

  const files: SourceFile[] = [];
  const file = (name: string, header: string[]): SourceFile => {
    const f = { name, header, rows: [] as Row[] };
    files.push(f);
    return f;
  };

  const jumin = file("jumin.csv", [
    "宛名番号",
    "世帯番号",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "続柄",
    "住所",
    "住定日",
    "消除日",
    "国籍",
    "通称",
    "通称カナ",
  ]);
  for (const hh of households)
    for (const p of hh.members) {
      const alias = p.alias?.registered ? p.alias.name : undefined;
      const common = (
        no: string,
        householdNo: string,
        since: string,
        removed: string,
        tags: string[],
      ) =>
        jumin.rows.push({
          values: [
            no,
            householdNo,
            registryKanji(p),
            registryKana(p),
            compact(p.birth),
            String(p.sex),
            p.relationship,
            hh.address,
            compact(since),
            removed === "" ? "" : compact(removed),
            p.foreign?.nationality ?? "",
            alias?.kanji.replace(" ", "　") ?? "",
            alias?.kana.replace(" ", "　") ?? "",
          ],
          person: p.id,
          tags: [
            ...tags,
            ...(p.foreign ? ["foreign"] : []),
            ...(p.noKana ? ["no-kana"] : []),
            ...(p.registryFamily
              ? [
                  /[\ue000-\uf8ff]/.test(p.registryFamily)
                    ? "gaiji-pua"
                    : p.registryFamily.includes("〓")
                      ? "gaiji-geta"
                      : "itaiji",
                ]
              : []),
            ...(p.largeKana ? ["large-kana"] : []),
          ],
        });
      const since = laterOf(p.birth, hh.since);
      if (hh.old) {
        const oldSince = laterOf(p.birth, hh.old.from);
        if (p.birth < hh.old.to)
          common(p.residentNos[0] as string, hh.old.no, oldSince, hh.old.to, [
            "two-numbers",
            "removed",
          ]);
        common(
          p.residentNos[p.residentNos.length - 1] as string,
          hh.no,
          laterOf(p.birth, hh.old.back),
          "",
          ["two-numbers"],
        );
      } else common(p.residentNos[0] as string, hh.no, since, "", []);
    }

  const currentNo = (p: Person) => p.residentNos[p.residentNos.length - 1] as string;
  /** The 宛名番号 a person held on a date (the old one before a move out and back). */
  const noOn = (p: Person, date: string) =>
    p.household.old && date < p.household.old.to && p.birth < p.household.old.to
      ? (p.residentNos[0] as string)
      : currentNo(p);

  const schoolChildren = persons.filter((p) => p.schools);
  const gakureibo = file("gakureibo.csv", [
    "宛名番号",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "学校名",
    "学年",
    "特別支援学級",
  ]);
  for (const p of schoolChildren) {
    const year = schoolYear(p.birth, asOf);
    const school = (p.schools as [string, string])[1];
    // The 学齢簿 comes from the registry system, but its character set lacks some 異体字.
    const name = p.foreign
      ? chance(0.5)
        ? p.foreign.alpha
        : p.foreign.kana
      : fmtName(p.family.kanji, p.given.kanji, "　");
    gakureibo.rows.push({
      values: [
        currentNo(p),
        name,
        registryKana(p),
        slash(p.birth),
        String(p.sex),
        school,
        String(year <= 6 ? year : year - 6),
        chance(0.03) ? "1" : "0",
      ],
      person: p.id,
      tags: [...(p.foreign ? ["foreign"] : [])],
    });
  }

  const schoolHeader = ["学校名", "学年", "組", "氏名", "氏名カナ", "生年月日", "性別"];
  const shukketsu = file("shukketsu.csv", [
    ...schoolHeader,
    "集計開始日",
    "集計終了日",
    "欠席日数",
    "遅刻日数",
    "出席停止忌引等日数",
  ]);
  const fy = fiscalYear(asOf);
  const periods: [string, string][] = [
    [`${fy}-04-01`, `${fy}-06-30`],
    [`${fy}-07-01`, `${fy}-09-30`],
  ];
  const schoolRow = (
    p: Person,
    school: string,
    dateFormat: (d: string) => string,
    extraTags: string[] = [],
  ) => {
    const m = masterOf(p);
    const year = schoolYear(p.birth, asOf);
    return {
      values: [
        school,
        String(year <= 6 ? year : year - 6),
        String(1 + (p.household.area % 3)),
        m.name,
        m.kana,
        dateFormat(m.birth),
        m.sex,
      ],
      tags: [...m.tags, ...extraTags],
    };
  };
  for (const p of schoolChildren) {
    const [before, now] = p.schools as [string, string];
    periods.forEach(([from, to], k) => {
      if (to > asOf) return;
      const school = k === 0 ? before : now;
      const row = schoolRow(p, school, slash, before !== now ? ["moved-school"] : []);
      shukketsu.rows.push({
        values: [
          ...row.values,
          from,
          to,
          String(Math.floor(r() * r() * 25)),
          String(Math.floor(r() * 4)),
          String(Math.floor(r() * 2)),
        ],
        person: p.id,
        tags: row.tags,
      });
    });
  }
  const kenshin = file("gakko_kenshin.csv", [
    ...schoolHeader,
    "検査日",
    "身長",
    "体重",
    "要精密検査",
  ]);
  for (const p of schoolChildren) {
    if (chance(0.03)) continue; // absent on the day
    const row = schoolRow(p, (p.schools as [string, string])[0], warekiShort);
    const year = schoolYear(p.birth, asOf);
    kenshin.rows.push({
      values: [
        ...row.values,
        slash(`${fy}-05-${String(10 + Math.floor(r() * 15))}`),
        (110 + year * 5 + r() * 8).toFixed(1),
        (18 + year * 3 + r() * 6).toFixed(1),
        chance(0.05) ? "1" : "0",
      ],
      person: p.id,
      tags: row.tags,
    });
  }
  const kokoro = file("kokoro_check.csv", [
    "学校名",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "実施日",
    "判定結果",
    "希死念慮",
  ]);
  for (const p of schoolChildren) {
    if (schoolYear(p.birth, asOf) < 7) continue;
    const row = schoolRow(p, (p.schools as [string, string])[0], (d) => d);
    const [school, , , name, kana, birth, sex] = row.values as string[];
    kokoro.rows.push({
      values: [
        school as string,
        name as string,
        kana as string,
        birth as string,
        sex as string,
        `${fy}-06-12`,
        chance(0.05) ? "要支援" : chance(0.1) ? "要観察" : "問題なし",
        chance(0.01) ? "1" : "0",
      ],
      person: p.id,
      tags: row.tags,
    });
  }

  // 乳幼児健診 by 宛名番号 (the number held on the checkup day).
  const nyuyoji = file("nyuyoji_kenshin.csv", [
    "宛名番号",
    "健診区分",
    "受診日",
    "体重",
    "体重パーセンタイル",
    "家に残して外出",
    "長時間食事を与えなかった",
    "口をふさいだ",
    "激しく揺さぶった",
    "虫歯数",
    "母親の喫煙",
    "要フォロー",
  ]);
  const checkups: [string, number][] = [
    ["3-4か月児", 110],
    ["1歳6か月児", 550],
    ["3歳児", 1110],
  ];
  for (const p of persons) {
    if (p.relationship !== "子") continue;
    for (const [kind, days] of checkups) {
      const on = addDays(p.birth, days + Math.floor(r() * 40));
      if (on > asOf || on < yearsBefore(4)) continue;
      const seen = !chance(0.06);
      const no = noOn(p, on);
      nyuyoji.rows.push({
        values: [
          no,
          kind,
          seen ? warekiShort(on) : "",
          seen ? (4 + days / 120 + r()).toFixed(2) : "",
          seen ? (r() * 100).toFixed(1) : "",
          "0",
          "0",
          "0",
          "0",
          "",
          chance(0.1) ? "1" : "0",
          chance(0.05) ? "1" : "0",
        ],
        person: p.id,
        tags: no !== currentNo(p) ? ["old-number"] : [],
      });
    }
  }

  const hoiku = file("hoiku_zaiseki.csv", ["宛名番号", "施設名", "入所日", "退所日"]);
  for (const p of persons) {
    const age = (Date.parse(asOf) - Date.parse(p.birth)) / (365.25 * 86400000);
    if (p.relationship !== "子" || age < 1 || age >= 6 || !chance(0.6)) continue;
    hoiku.rows.push({
      values: [currentNo(p), pick(NURSERIES), slash(addDays(p.birth, 400)), ""],
      person: p.id,
      tags: [],
    });
  }

  const fuyo = file("jido_fuyo.csv", ["受給者宛名番号", "対象児童宛名番号", "支給区分", "認定日"]);
  for (const hh of households) {
    if (!hh.singleParent) continue;
    const parent = hh.members[0] as Person;
    for (const c of hh.members.filter((m) => m.relationship === "子")) {
      if (Date.parse(asOf) - Date.parse(c.birth) > 18 * 365.25 * 86400000) continue;
      fuyo.rows.push({
        values: [
          currentNo(parent),
          currentNo(c),
          pick(["全部支給", "一部支給"]),
          wareki(dateBetween(yearsBefore(3), asOf)),
        ],
        person: parent.id,
        tags: ["keyed-by-guardian"],
      });
    }
  }

  const enjo = file("shugaku_enjo.csv", ["宛名番号", "認定年度", "区分"]);
  for (const p of schoolChildren)
    if (p.household.poor || p.household.singleParent)
      if (chance(0.7))
        enjo.rows.push({
          values: [currentNo(p), String(fy), chance(0.2) ? "要保護" : "準要保護"],
          person: p.id,
          tags: [],
        });

  const children = persons.filter((p) => p.relationship === "子" && p.birth > yearsBefore(18));
  const yotaikyo = file("yotaikyo.csv", [
    "宛名番号",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "登録日",
    "終結日",
    "登録種別",
  ]);
  const ichiji = file("ichiji_hogo.csv", [
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "保護開始日",
    "保護解除日",
  ]);
  for (const p of children) {
    const risk = p.household.singleParent || p.household.poor ? 0.06 : 0.012;
    if (!chance(risk)) continue;
    const w = welfareOf(p);
    const on = dateBetween(laterOf(p.birth, yearsBefore(4)), asOf);
    yotaikyo.rows.push({
      values: [
        chance(0.7) ? noOn(p, on) : "",
        w.name,
        w.kana,
        w.birth,
        p.sex === 1 ? "男" : "女",
        wareki(on),
        chance(0.3) ? wareki(addDays(on, 200)) : "",
        pick(["虐待", "養護", "その他"]),
      ],
      person: p.id,
      tags: w.tags,
    });
    if (chance(0.25)) {
      const w2 = welfareOf(p);
      ichiji.rows.push({
        values: [
          w2.name,
          w2.kana,
          w2.birth,
          p.sex === 1 ? "男" : "女",
          slash(on),
          chance(0.7) ? slash(addDays(on, 30)) : "",
        ],
        person: p.id,
        tags: w2.tags,
      });
    }
  }

  const jukyusha = file("shogaiji_jukyusha.csv", [
    "宛名番号",
    "受給者証番号",
    "決定日",
    "有効期間終了日",
  ]);
  for (const p of children)
    if (chance(0.03))
      jukyusha.rows.push({
        values: [currentNo(p), String(9_000_000 + jukyusha.rows.length), slash(yearsBefore(1)), ""],
        person: p.id,
        tags: [],
      });

  const sodan = file("sodan_kiroku.csv", ["宛名番号", "世帯番号", "相談日", "相談分野"]);
  for (const p of children)
    if (chance(0.02))
      sodan.rows.push({
        values: [
          currentNo(p),
          "",
          slash(dateBetween(yearsBefore(1), asOf)),
          pick(["養護", "障がい", "その他"]),
        ],
        person: p.id,
        tags: [],
      });

  const ninpu = file("ninpu_kenshin.csv", [
    "母宛名番号",
    "子宛名番号",
    "妊娠届出日",
    "出産予定日",
    "受診回数",
  ]);
  for (const p of children) {
    if (p.birth < yearsBefore(2)) continue;
    const mother = p.household.members.find(
      (m) => m.sex === 2 && m.relationship !== "子" && m.relationship !== "母",
    );
    if (!mother || (p.twin && p.twin.id < p.id)) continue;
    ninpu.rows.push({
      values: [
        noOn(mother, p.birth),
        currentNo(p),
        slash(addDays(p.birth, -230)),
        slash(addDays(p.birth, Math.floor(r() * 20) - 10)),
        String(chance(0.03) ? 0 : 10 + Math.floor(r() * 5)),
      ],
      person: mother.id,
      tags: ["keyed-by-mother"],
    });
  }
  return { files, persons };
}

// ---------------------------------------------------------------- writing

const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Writes the town's CSVs and truth/ into `out`; returns row and person counts. */
export function writeTown(
  out: string,
  options: TownOptions,
): { rows: number; persons: number; children: number } {
  const { files, persons } = generateTown(options);
  mkdirSync(join(out, "truth"), { recursive: true });
  const truth = ["file,row,true_person_id,tags"];
  let rows = 0;
  for (const f of files) {
    const lines = [f.header.join(","), ...f.rows.map((row) => row.values.map(quote).join(","))];
    // Some departments export with a BOM and CRLF, others without.
    const bom = f.name.startsWith("y") || f.name.startsWith("g") ? "\ufeff" : "";
    writeFileSync(
      join(out, f.name),
      `${bom}${lines.join(f.name.startsWith("s") ? "\r\n" : "\n")}\n`,
    );
    f.rows.forEach((row, i) => {
      truth.push(`${f.name},${i + 1},${row.person},${row.tags.join("|")}`);
    });
    rows += f.rows.length;
  }
  writeFileSync(join(out, "truth", "records.csv"), `${truth.join("\n")}\n`);
  const people = [
    "person_id,household,relationship,birth_date,sex,twin_id,resident_nos,former_family,family,alias_registered,foreign",
  ];
  for (const p of persons)
    people.push(
      [
        p.id,
        String(p.household.id),
        p.relationship,
        p.birth,
        String(p.sex),
        p.twin?.id ?? "",
        p.residentNos.join("|"),
        p.formerFamily?.kanji ?? "",
        p.family.kanji,
        p.alias ? String(p.alias.registered) : "",
        p.foreign?.nationality ?? "",
      ].join(","),
    );
  writeFileSync(join(out, "truth", "persons.csv"), `${people.join("\n")}\n`);
  const children = persons.filter(
    (p) =>
      p.relationship === "子" &&
      p.birth > `${Number(options.asOf.slice(0, 4)) - 18}${options.asOf.slice(4)}`,
  ).length;
  return { rows, persons: persons.length, children };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (name: string, def: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? (args[i + 1] as string) : def;
  };
  const out = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
  if (!out) {
    process.stderr.write(
      "使い方: tsx bench/independent-town/generate.ts 出力先 [--seed N] [--households N] [--as-of YYYY-MM-DD]\n",
    );
    process.exit(2);
  }
  const summary = writeTown(out, {
    seed: Number(opt("--seed", "7")),
    households: Number(opt("--households", "1800")),
    asOf: opt("--as-of", "2025-10-01"),
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
