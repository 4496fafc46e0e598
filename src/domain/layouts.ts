/**
 * The 19 canonical source layouts of layouts.md (標準連携レイアウト v1) as
 * data: each column's name, whether it is required (`*` in the spec) and its
 * value type, plus the row rules the spec states in prose. Detecting which
 * source a file holds — by file name or by header signature — lives here too,
 * because it depends on nothing but these definitions.
 */
import type { SourceId } from "./types.ts";
import { type Enumeration, enumeration } from "./values.ts";

export type ColumnType =
  | { readonly kind: "id" }
  | { readonly kind: "text" }
  | { readonly kind: "name" }
  | { readonly kind: "kana" }
  | { readonly kind: "date" }
  | { readonly kind: "bool" }
  | { readonly kind: "sex" }
  | {
      readonly kind: "number";
      readonly integer: boolean;
      readonly min?: number;
      readonly max?: number;
      readonly units?: readonly string[];
    }
  | { readonly kind: "enum"; readonly enumeration: Enumeration }
  | { readonly kind: "grade" }
  | { readonly kind: "fiscal_year" }
  | { readonly kind: "icd10" };

export interface ColumnDef {
  readonly name: string;
  readonly required: boolean;
  readonly type: ColumnType;
  /** The value a blank cell stands for, when layouts.md gives one (国籍: blank = 日本). */
  readonly blankMeans?: string;
}

export interface Layout {
  readonly id: SourceId;
  /** 名称 of layouts.md. */
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** Groups of columns of which at least one must hold a value on every row. */
  readonly atLeastOne: readonly (readonly string[])[];
  /** [start, end] date columns: end, when present, may not be before start. */
  readonly periods: readonly (readonly [string, string])[];
}

/**
 * 抽出日: the as-of date of the data. Optional on every source; used when
 * `--as-of` is not given (layouts.md, "Each import also records …").
 */
export const AS_OF_COLUMN = "抽出日";

const ID = { kind: "id" } as const;
const TEXT = { kind: "text" } as const;
const NAME = { kind: "name" } as const;
const KANA = { kind: "kana" } as const;
const DATE = { kind: "date" } as const;
const BOOL = { kind: "bool" } as const;
const SEX = { kind: "sex" } as const;
const GRADE = { kind: "grade" } as const;
const count = (units: readonly string[], max?: number): ColumnType => ({
  kind: "number",
  integer: true,
  min: 0,
  ...(max === undefined ? {} : { max }),
  units,
});
const measure = (units: readonly string[], max: number): ColumnType => ({
  kind: "number",
  integer: false,
  min: 0,
  max,
  units,
});
const oneOf = (values: readonly string[], aliases: Record<string, string> = {}): ColumnType => ({
  kind: "enum",
  enumeration: enumeration(values, aliases),
});

/** `宛名番号*` → required column. */
function col(spec: string, type: ColumnType, blankMeans?: string): ColumnDef {
  const required = spec.endsWith("*");
  const name = required ? spec.slice(0, -1) : spec;
  return blankMeans === undefined ? { name, required, type } : { name, required, type, blankMeans };
}

function layout(
  id: string,
  name: string,
  columns: readonly ColumnDef[],
  rules: { atLeastOne?: string[][]; periods?: [string, string][] } = {},
): Layout {
  return {
    id: id as SourceId,
    name,
    columns: [...columns, col(AS_OF_COLUMN, DATE)],
    atLeastOne: rules.atLeastOne ?? [],
    periods: rules.periods ?? [],
  };
}

/** Common registry spellings of 続柄 folded onto the eight values of layouts.md. */
const ZOKUGARA_ALIASES: Record<string, string> = {
  本人: "世帯主",
  未届の妻: "妻",
  未届の夫: "夫",
  ...Object.fromEntries(
    [
      "長男",
      "長女",
      "二男",
      "次男",
      "二女",
      "次女",
      "三男",
      "三女",
      "四男",
      "四女",
      "五男",
      "五女",
      "養子",
      "養女",
    ].map((k) => [k, "子"]),
  ),
  ...Object.fromEntries(
    [
      "孫",
      "兄",
      "姉",
      "弟",
      "妹",
      "叔父",
      "叔母",
      "伯父",
      "伯母",
      "甥",
      "姪",
      "子の妻",
      "子の夫",
      "同居人",
      "縁故者",
    ].map((k) => [k, "その他"]),
  ),
};

const NAME_COLUMNS = [col("氏名*", NAME), col("氏名カナ", KANA)];

/** The 19 sources, in the order of layouts.md. */
export const LAYOUTS: readonly Layout[] = [
  layout(
    "jumin",
    "住民基本台帳",
    [
      col("宛名番号*", ID),
      col("世帯番号*", ID),
      ...NAME_COLUMNS,
      col("生年月日*", DATE),
      col("性別*", SEX),
      col(
        "続柄",
        oneOf(["世帯主", "妻", "夫", "子", "父", "母", "祖父", "祖母", "その他"], ZOKUGARA_ALIASES),
      ),
      col("住所", TEXT),
      col("住定日", DATE),
      col("消除日", DATE),
      col("国籍", TEXT, "日本"),
    ],
    { periods: [["住定日", "消除日"]] },
  ),
  layout("gakureibo", "学齢簿", [
    col("宛名番号*", ID),
    col("氏名", NAME),
    col("氏名カナ", KANA),
    col("生年月日", DATE),
    col("性別", SEX),
    col("学校名*", TEXT),
    col("学年*", GRADE),
    col("特別支援学級", BOOL),
  ]),
  layout(
    "shukketsu",
    "出欠の記録",
    [
      col("学校名*", TEXT),
      col("学年", GRADE),
      col("組", TEXT),
      ...NAME_COLUMNS,
      col("生年月日*", DATE),
      col("性別", SEX),
      col("集計開始日*", DATE),
      col("集計終了日*", DATE),
      col("欠席日数*", count(["日"], 366)),
      col("遅刻日数", count(["日", "回"], 366)),
      col("出席停止忌引等日数", count(["日"], 366)),
    ],
    { periods: [["集計開始日", "集計終了日"]] },
  ),
  layout("gakko_kenshin", "児童生徒健康診断", [
    col("学校名", TEXT),
    col("学年", GRADE),
    ...NAME_COLUMNS,
    col("生年月日*", DATE),
    col("性別", SEX),
    col("検査日*", DATE),
    col("身長", measure(["cm"], 250)),
    col("体重", measure(["kg"], 300)),
    col("要精密検査", BOOL),
  ]),
  layout("kokoro_check", "心の健康チェック", [
    col("学校名", TEXT),
    ...NAME_COLUMNS,
    col("生年月日*", DATE),
    col("性別", SEX),
    col("実施日*", DATE),
    col(
      "判定結果*",
      oneOf(["要支援", "要観察", "問題なし"], { 異常なし: "問題なし", なし: "問題なし" }),
    ),
    col("希死念慮", BOOL),
  ]),
  layout(
    "yotaikyo",
    "要対協ケース進行管理台帳",
    [
      col("宛名番号", ID),
      ...NAME_COLUMNS,
      col("生年月日*", DATE),
      col("性別", SEX),
      col("登録日*", DATE),
      col("終結日", DATE),
      col(
        "登録種別",
        oneOf(["虐待", "養護", "非行", "特定妊婦", "その他"], {
          要保護児童: "虐待",
          児童虐待: "虐待",
          要支援児童: "養護",
        }),
      ),
    ],
    { periods: [["登録日", "終結日"]] },
  ),
  layout(
    "ichiji_hogo",
    "一時保護児童票",
    [
      ...NAME_COLUMNS,
      col("生年月日*", DATE),
      col("性別", SEX),
      col("保護開始日*", DATE),
      col("保護解除日", DATE),
    ],
    { periods: [["保護開始日", "保護解除日"]] },
  ),
  layout("nyuyoji_kenshin", "乳幼児健診", [
    col("宛名番号*", ID),
    col(
      "健診区分*",
      oneOf(["3-4か月児", "1歳6か月児", "3歳児"], {
        "3-4か月": "3-4か月児",
        "3か月児": "3-4か月児",
        "4か月児": "3-4か月児",
        "1歳6か月": "1歳6か月児",
        "1歳半": "1歳6か月児",
        "1歳半児": "1歳6か月児",
        "3歳": "3歳児",
      }),
    ),
    col("受診日", DATE),
    col("体重", measure(["kg"], 50)),
    col("体重パーセンタイル", measure(["%"], 100)),
    col("家に残して外出", BOOL),
    col("長時間食事を与えなかった", BOOL),
    col("口をふさいだ", BOOL),
    col("激しく揺さぶった", BOOL),
    col("虫歯数", count(["本"], 20)),
    col("母親の喫煙", BOOL),
    col("要フォロー", BOOL),
  ]),
  layout("ninpu_kenshin", "妊婦健診", [
    col("母宛名番号*", ID),
    col("子宛名番号", ID),
    col("妊娠届出日*", DATE),
    col("出産予定日*", DATE),
    col("受診回数*", count(["回"], 50)),
  ]),
  layout("sanpu_kenshin", "産婦健診", [
    col("母宛名番号*", ID),
    col("子宛名番号", ID),
    col("健診日*", DATE),
    // EPDS: 10 items scored 0–3, total 0–30 (Cox et al. 1987); item 10 is self-harm.
    col("EPDS合計点*", count(["点"], 30)),
    col("EPDS項目10", count(["点"], 3)),
  ]),
  layout("shogai_techo", "障害者手帳", [
    col("宛名番号*", ID),
    col(
      "手帳種別*",
      oneOf(["身体", "療育", "精神"], {
        身体障害者手帳: "身体",
        療育手帳: "療育",
        精神障害者保健福祉手帳: "精神",
      }),
    ),
    col("等級", TEXT),
    col("主たる精神障害コード", { kind: "icd10" }),
    col("交付日", DATE),
    col("資格状態*", oneOf(["有効", "失効", "返還"])),
  ]),
  layout(
    "shogaiji_jukyusha",
    "障害児支援受給者証",
    [
      col("宛名番号*", ID),
      col("受給者証番号*", ID),
      col("決定日*", DATE),
      col("有効期間終了日", DATE),
    ],
    { periods: [["決定日", "有効期間終了日"]] },
  ),
  layout(
    "seikatsu_hogo",
    "生活保護",
    [
      col("宛名番号*", ID),
      col("保護世帯番号", ID),
      col("開始年月日*", DATE),
      col("廃止年月日", DATE),
    ],
    { periods: [["開始年月日", "廃止年月日"]] },
  ),
  layout("jido_fuyo", "児童扶養手当", [
    col("受給者宛名番号*", ID),
    col("対象児童宛名番号", ID),
    col("支給区分*", oneOf(["全部支給", "一部支給", "全部停止"])),
    col("認定日", DATE),
  ]),
  layout("shugaku_enjo", "就学援助", [
    col("宛名番号*", ID),
    col("認定年度*", { kind: "fiscal_year" }),
    col("区分", oneOf(["要保護", "準要保護"])),
  ]),
  layout(
    "kaigo_nintei",
    "要介護認定",
    [
      col("宛名番号*", ID),
      col(
        "要介護度*",
        oneOf(["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5"]),
      ),
      col("有効期間開始日", DATE),
      col("有効期間終了日", DATE),
    ],
    { periods: [["有効期間開始日", "有効期間終了日"]] },
  ),
  layout(
    "iryohi_josei",
    "医療費助成",
    [
      col("宛名番号*", ID),
      col(
        "助成種別*",
        oneOf(["ひとり親", "障がい者", "こども"], {
          ひとり親家庭: "ひとり親",
          ひとり親家庭等: "ひとり親",
          母子家庭: "ひとり親",
          父子家庭: "ひとり親",
          障害者: "障がい者",
          重度心身障害者: "障がい者",
          子ども: "こども",
          子供: "こども",
          乳幼児: "こども",
        }),
      ),
      col("資格開始日", DATE),
      col("資格終了日", DATE),
    ],
    { periods: [["資格開始日", "資格終了日"]] },
  ),
  layout(
    "sodan_kiroku",
    "相談記録",
    [
      col("宛名番号", ID),
      col("世帯番号", ID),
      col("相談日*", DATE),
      col(
        "相談分野*",
        oneOf(["児童虐待", "養護", "生活困窮", "障がい", "DV", "その他"], {
          虐待: "児童虐待",
          障害: "障がい",
        }),
      ),
    ],
    { atLeastOne: [["宛名番号", "世帯番号"]] },
  ),
  layout(
    "hoiku_zaiseki",
    "保育所・幼稚園在籍",
    [col("宛名番号*", ID), col("施設名*", TEXT), col("入所日*", DATE), col("退所日", DATE)],
    { periods: [["入所日", "退所日"]] },
  ),
];

const BY_ID: ReadonlyMap<string, Layout> = new Map(LAYOUTS.map((l) => [l.id, l]));

/** All source ids, in layouts.md order. */
export const SOURCE_IDS: readonly SourceId[] = LAYOUTS.map((l) => l.id);

export function isSourceId(s: string): s is SourceId {
  return BY_ID.has(s);
}

/** The layout of a source id, or undefined for an unknown id. */
export function findLayout(id: string): Layout | undefined {
  return BY_ID.get(id);
}

/** `jumin（住民基本台帳）`, … — the list shown when a file cannot be matched to a source. */
export function describeSources(): string[] {
  return LAYOUTS.map((l) => `${l.id}（${l.name}）`);
}

/**
 * How a header cell is compared: NFKC (full-width letters, half-width kana),
 * no white space, no BOM, no trailing `*` (people copy the spec's required
 * marker into their headers).
 */
export function normalizeHeader(h: string): string {
  return h
    .normalize("NFKC")
    .replace(/[\s\ufeff]+/g, "")
    .replace(/\*+$/, "");
}

/** Layouts longest id first, so `shogaiji_jukyusha` is tried before a shorter prefix could match. */
const BY_ID_LENGTH = [...LAYOUTS].sort((a, b) => b.id.length - a.id.length);
const BY_NAME_LENGTH = [...LAYOUTS].sort((a, b) => b.name.length - a.name.length);

/**
 * The source named by a file name (cli.md): `jumin.csv`, `jumin_2024-04.csv`,
 * `JUMIN-202404.xlsx`, or the 名称 (`住民基本台帳_2024.csv`). A directory part
 * is ignored. Undefined when the name matches no source.
 */
export function sourceFromFileName(fileName: string): SourceId | undefined {
  const base = (fileName.split(/[\\/]/).pop() ?? "").normalize("NFKC");
  const stem = base.replace(/\.[^.]*$/, "").toLowerCase();
  const follows = (rest: string) => rest === "" || /^[-_. ]/.test(rest);
  for (const l of BY_ID_LENGTH) {
    if (stem.startsWith(l.id) && follows(stem.slice(l.id.length))) return l.id;
  }
  for (const l of BY_NAME_LENGTH) {
    if (stem.startsWith(l.name) && follows(stem.slice(l.name.length))) return l.id;
  }
  return undefined;
}

export type HeaderMatch =
  | { readonly kind: "found"; readonly source: SourceId }
  | { readonly kind: "ambiguous"; readonly candidates: readonly SourceId[] }
  | { readonly kind: "none" };

/**
 * The source whose signature a header carries: every required column present
 * (and one of each at-least-one group), most of its columns matched. Two
 * sources equally good is ambiguous — the caller must ask, never guess.
 */
export function sourceFromHeader(header: readonly string[]): HeaderMatch {
  const present = new Set(header.map(normalizeHeader));
  let best: SourceId[] = [];
  let bestScore = 0;
  for (const l of LAYOUTS) {
    if (!l.columns.every((c) => !c.required || present.has(c.name))) continue;
    if (!l.atLeastOne.every((g) => g.some((c) => present.has(c)))) continue;
    const score = l.columns.filter((c) => c.name !== AS_OF_COLUMN && present.has(c.name)).length;
    if (score > bestScore) {
      best = [l.id];
      bestScore = score;
    } else if (score === bestScore && score > 0) {
      best.push(l.id);
    }
  }
  if (best.length === 1) return { kind: "found", source: best[0] as SourceId };
  if (best.length > 1) return { kind: "ambiguous", candidates: best };
  return { kind: "none" };
}
