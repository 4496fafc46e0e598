/**
 * Names of synthetic residents.
 *
 * Japanese names come from the gimei name list (MIT, willnet), which the CLI reads at generation
 * time and passes in (it is never copied into the repository). Frequencies follow the list's
 * order for family names (it is roughly by frequency: 佐藤, 林, 清水, 鈴木, 高橋 …) and a seeded
 * Zipf law for given names, so that popular names repeat and different children share a name —
 * the homonym trap of record linkage.
 *
 * Foreign residents' names are a short built-in list per nationality (romanised as a registry
 * holds them, with the katakana a clerk writes; Chinese and Korean names in kanji with two
 * customary readings).
 */
import { MimamoriError } from "../errors.ts";
import { isCommonNameVariant, isKosekiVariant, variantsOf } from "../ja/variants.ts";
import { type Rng, WeightedTable } from "./random.ts";

export interface NameEntry {
  /** Kanji (or kana) as written. */
  readonly kanji: string;
  /** Reading in full-width katakana. */
  readonly kana: string;
}

export interface NamePools {
  readonly family: readonly NameEntry[];
  readonly male: readonly NameEntry[];
  readonly female: readonly NameEntry[];
}

/**
 * Validates a parsed gimei-names.yml document (`first_name.male`, `first_name.female`,
 * `last_name`, each a list of [kanji, hiragana, katakana, romaji]).
 */
export function namePoolsFromGimei(doc: unknown): NamePools {
  const fail = (what: string): never => {
    throw new MimamoriError(
      "invalid_input",
      `氏名リストの形式が正しくありません（${what}）。gimei-names.yml を指定してください。`,
    );
  };
  const list = (v: unknown, what: string): NameEntry[] => {
    if (!Array.isArray(v) || v.length === 0) return fail(what);
    return v.map((e) => {
      if (!Array.isArray(e) || typeof e[0] !== "string" || typeof e[2] !== "string")
        return fail(what);
      const kanji = e[0].trim();
      const kana = e[2].trim();
      if (kanji === "" || !/^[\u30a1-\u30fc]+$/.test(kana)) return fail(`${what}: ${kanji}`);
      return { kanji, kana };
    });
  };
  const d = doc as {
    first_name?: { male?: unknown; female?: unknown };
    last_name?: unknown;
  } | null;
  return {
    family: list(d?.last_name, "last_name"),
    male: list(d?.first_name?.male, "first_name.male"),
    female: list(d?.first_name?.female, "first_name.female"),
  };
}

/** A seeded Zipf(s) ordering: weight 1/(rank + offset)^s over a shuffled copy of `items`. */
function zipfTable<T>(
  items: readonly T[],
  rng: Rng,
  s: number,
  offset: number,
  shuffle: boolean,
): WeightedTable<T> {
  const order = shuffle ? rng.shuffle([...items]) : [...items];
  return new WeightedTable(
    order,
    order.map((_, i) => 1 / (i + offset) ** s),
  );
}

/** Name choice for one generated municipality. */
export class NameChooser {
  private readonly family: WeightedTable<NameEntry>;
  private readonly maleChild: WeightedTable<NameEntry>;
  private readonly femaleChild: WeightedTable<NameEntry>;
  private readonly maleAdult: WeightedTable<NameEntry>;
  private readonly femaleAdult: WeightedTable<NameEntry>;

  constructor(pools: NamePools, rng: Rng) {
    // Family names: the list order is close to frequency order. Weights 1/(rank + 20) over 500
    // names give the top name ≈ 1.5 % of families and the top ten ≈ 12 % (佐藤 is ≈ 1.5 % of
    // Japanese and the ten commonest ≈ 10 %, 名字由来net); offset 1 would give the top name ≈ 15 %.
    this.family = zipfTable(pools.family, rng, 1, 20, false);
    // Given names: generations differ in fashion, so children and adults get separate orders.
    this.maleChild = zipfTable(pools.male, rng, 1.05, 3, true);
    this.femaleChild = zipfTable(pools.female, rng, 1.05, 3, true);
    this.maleAdult = zipfTable(pools.male, rng, 1.05, 3, true);
    this.femaleAdult = zipfTable(pools.female, rng, 1.05, 3, true);
  }

  familyName(rng: Rng): NameEntry {
    return this.family.draw(rng);
  }

  givenName(rng: Rng, sex: 1 | 2, child: boolean): NameEntry {
    if (sex === 1) return (child ? this.maleChild : this.maleAdult).draw(rng);
    return (child ? this.femaleChild : this.femaleAdult).draw(rng);
  }
}

/**
 * The registry form of a name: a kanji with a registered-name 異体字 (one whose 戸籍統一文字
 * 親字 is the kanji itself) becomes a common one (髙 for 高, 﨑 for 崎, 邊 for 辺, 澤 for 沢:
 * see isCommonNameVariant) with probability `p`, or one of the rare ones with `p / 60` — many
 * of those are outside CP932 and JIS X 0208, the 外字 older systems cannot hold.
 */
export function registryVariant(name: string, p: number, rng: Rng): string {
  let out = "";
  for (const ch of name) {
    const candidates = registryCandidates(ch);
    if (candidates.length > 0) {
      const common = candidates.filter(isCommonNameVariant);
      if (common.length > 0 && rng.chance(p)) {
        out += rng.pick(common);
        continue;
      }
      const rare = candidates.filter((c) => !isCommonNameVariant(c));
      if (rare.length > 0 && rng.chance(p / 60)) {
        out += rng.pick(rare);
        continue;
      }
    }
    out += ch;
  }
  return out;
}

const candidateCache = new Map<string, readonly string[]>();

/** The registered-name variants of a standard kanji (empty for most characters). */
export function registryCandidates(ch: string): readonly string[] {
  let c = candidateCache.get(ch);
  if (c === undefined) {
    const group = variantsOf(ch);
    c =
      group.length > 1 && group[0] === ch
        ? group.slice(1).filter((v) => isKosekiVariant(v) && v.normalize("NFC") === v)
        : [];
    candidateCache.set(ch, c);
  }
  return c;
}

/** True for a kanji that has a commonly registered variant (髙 for 高 …). */
export function hasCommonVariant(ch: string): boolean {
  return registryCandidates(ch).some(isCommonNameVariant);
}

export interface ForeignName {
  /** As the registry holds it: alphabet (upper case) or kanji. */
  readonly family: string;
  readonly given: string;
  readonly familyKana: string;
  readonly givenKana: string;
  /** Another customary katakana reading of the family name (漢字圏: Japanese on-reading). */
  readonly familyKanaAlt?: string;
}

type Entry = readonly [string, string, string?];

/** Nationality → [family names, male given names, female given names]: [written, katakana, alt katakana]. */
const FOREIGN: Readonly<
  Record<string, readonly [readonly Entry[], readonly Entry[], readonly Entry[]]>
> = {
  中国: [
    [
      ["王", "ワン", "オウ"],
      ["李", "リー", "リ"],
      ["張", "チャン", "チョウ"],
      ["劉", "リュウ"],
      ["陳", "チェン", "チン"],
      ["楊", "ヤン", "ヨウ"],
      ["趙", "チャオ", "チョウ"],
      ["黄", "ホアン", "コウ"],
      ["周", "チョウ", "シュウ"],
      ["呉", "ウー", "ゴ"],
    ],
    [
      ["偉", "ウェイ"],
      ["強", "チャン"],
      ["浩然", "ハオラン"],
      ["宇軒", "ユーシュエン"],
      ["子豪", "ズーハオ"],
      ["俊傑", "ジュンジエ"],
      ["明", "ミン"],
    ],
    [
      ["芳", "ファン"],
      ["娜", "ナー"],
      ["静", "ジン"],
      ["子涵", "ズーハン"],
      ["梓萱", "ズーシュエン"],
      ["欣怡", "シンイー"],
      ["麗", "リー"],
    ],
  ],
  韓国: [
    [
      ["金", "キム", "キン"],
      ["李", "イ", "リ"],
      ["朴", "パク", "ボク"],
      ["崔", "チェ", "サイ"],
      ["鄭", "チョン", "テイ"],
      ["姜", "カン", "キョウ"],
    ],
    [
      ["民俊", "ミンジュン"],
      ["俊浩", "ジュノ"],
      ["智勲", "ジフン"],
      ["賢宇", "ヒョヌ"],
    ],
    [
      ["瑞妍", "ソヨン"],
      ["智雨", "ジウ"],
      ["秀妍", "スヨン"],
      ["恩惠", "ウネ"],
    ],
  ],
  ベトナム: [
    [
      ["NGUYEN", "グエン"],
      ["TRAN", "チャン"],
      ["LE", "レ"],
      ["PHAM", "ファム"],
      ["HOANG", "ホアン"],
      ["VU", "ヴ"],
      ["DANG", "ダン"],
      ["BUI", "ブイ"],
    ],
    [
      ["VAN AN", "ヴァン アン"],
      ["VAN HUNG", "ヴァン フン"],
      ["DUC MINH", "ドゥック ミン"],
      ["QUANG HUY", "クアン フイ"],
      ["THANH TUNG", "タイン トゥン"],
    ],
    [
      ["THI HOA", "ティ ホア"],
      ["THI LAN", "ティ ラン"],
      ["THI MAI", "ティ マイ"],
      ["NGOC ANH", "ゴック アイン"],
      ["THU TRANG", "トゥ チャン"],
    ],
  ],
  フィリピン: [
    [
      ["SANTOS", "サントス"],
      ["REYES", "レイエス"],
      ["CRUZ", "クルス"],
      ["BAUTISTA", "バウティスタ"],
      ["GARCIA", "ガルシア"],
      ["MENDOZA", "メンドーサ"],
    ],
    [
      ["JOHN PAUL", "ジョン ポール"],
      ["MARK ANTHONY", "マーク アンソニー"],
      ["ANGELO", "アンジェロ"],
      ["JOSHUA", "ジョシュア"],
    ],
    [
      ["MARIA CRISTINA", "マリア クリスティーナ"],
      ["KRISTINE", "クリスティン"],
      ["JASMINE", "ジャスミン"],
      ["MARY GRACE", "メアリー グレース"],
    ],
  ],
  ネパール: [
    [
      ["GURUNG", "グルン"],
      ["TAMANG", "タマン"],
      ["SHRESTHA", "シュレスタ"],
      ["RAI", "ライ"],
      ["THAPA", "タパ"],
      ["MAGAR", "マガル"],
    ],
    [
      ["RAJESH", "ラジェシュ"],
      ["BIKASH", "ビカシュ"],
      ["RAM", "ラム"],
      ["SURAJ", "スラジ"],
    ],
    [
      ["SUNITA", "スニタ"],
      ["ANISHA", "アニシャ"],
      ["SITA", "シタ"],
      ["PRIYA", "プリヤ"],
    ],
  ],
  ブラジル: [
    [
      ["SILVA", "シルバ", "シウヴァ"],
      ["SANTOS", "サントス"],
      ["OLIVEIRA", "オリヴェイラ", "オリベイラ"],
      ["SOUZA", "ソウザ"],
      ["LIMA", "リマ"],
      ["PEREIRA", "ペレイラ"],
    ],
    [
      ["GABRIEL", "ガブリエル"],
      ["LUCAS", "ルーカス"],
      ["MATHEUS", "マテウス"],
      ["DAVI", "ダヴィ"],
    ],
    [
      ["ANA", "アナ"],
      ["JULIA", "ジュリア"],
      ["BEATRIZ", "ベアトリス"],
      ["LAVINIA", "ラヴィニア"],
    ],
  ],
  米国: [
    [
      ["SMITH", "スミス"],
      ["JOHNSON", "ジョンソン"],
      ["BROWN", "ブラウン"],
      ["MILLER", "ミラー"],
    ],
    [
      ["LIAM", "リアム"],
      ["NOAH", "ノア"],
      ["OLIVER", "オリヴァー"],
    ],
    [
      ["EMMA", "エマ"],
      ["OLIVIA", "オリヴィア"],
      ["SOPHIA", "ソフィア"],
    ],
  ],
};

/** Nationalities of foreign households with weights (approximate shares of foreign residents with children). */
export const NATIONALITIES: readonly (readonly [string, number])[] = [
  ["中国", 0.3],
  ["ベトナム", 0.2],
  ["韓国", 0.12],
  ["フィリピン", 0.12],
  ["ネパール", 0.1],
  ["ブラジル", 0.1],
  ["米国", 0.06],
];

/** True when the nationality's names are written in kanji (漢字圏). */
export function isKanjiNationality(nationality: string): boolean {
  return nationality === "中国" || nationality === "韓国";
}

export function foreignFamilyName(nationality: string, rng: Rng): Entry {
  const lists = FOREIGN[nationality];
  if (!lists) throw new Error(`unknown nationality ${nationality}`);
  return rng.pick(lists[0]);
}

export function foreignGivenName(nationality: string, sex: 1 | 2, rng: Rng): Entry {
  const lists = FOREIGN[nationality];
  if (!lists) throw new Error(`unknown nationality ${nationality}`);
  return rng.pick(sex === 1 ? lists[1] : lists[2]);
}
