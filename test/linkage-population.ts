/**
 * A small seeded population for linkage tests: households in the resident
 * registry (with twins and people holding two 宛名番号), and the children's
 * records in other sources written the way other departments write them
 * (異体字, half-width or hiragana kana, long-vowel spellings, names without a
 * space, 〓 for a 外字, no 宛名番号 in school data, children not in the registry).
 * Returns the records and, per record, the true person.
 */
import { seededRandom } from "../src/domain/linkage/random.ts";
import type { LinkRecord } from "../src/domain/linkage/types.ts";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../src/domain/types.ts";
import type { Sex } from "../src/domain/values.ts";

const FAMILIES: readonly [string, string][] = [
  ["佐藤", "サトウ"],
  ["鈴木", "スズキ"],
  ["高橋", "タカハシ"],
  ["田中", "タナカ"],
  ["伊藤", "イトウ"],
  ["渡辺", "ワタナベ"],
  ["山本", "ヤマモト"],
  ["中村", "ナカムラ"],
  ["小林", "コバヤシ"],
  ["加藤", "カトウ"],
  ["吉田", "ヨシダ"],
  ["山田", "ヤマダ"],
  ["佐々木", "ササキ"],
  ["斎藤", "サイトウ"],
  ["山崎", "ヤマザキ"],
  ["勅使河原", "テシガワラ"],
  ["長谷川", "ハセガワ"],
  ["大野", "オオノ"],
  ["小野", "オノ"],
  ["橋本", "ハシモト"],
  ["井上", "イノウエ"],
  ["木村", "キムラ"],
  ["林", "ハヤシ"],
  ["清水", "シミズ"],
  ["森", "モリ"],
  ["池田", "イケダ"],
  ["阿部", "アベ"],
  ["石川", "イシカワ"],
  ["前田", "マエダ"],
  ["藤田", "フジタ"],
  ["岡田", "オカダ"],
  ["後藤", "ゴトウ"],
  ["村上", "ムラカミ"],
  ["近藤", "コンドウ"],
  ["坂本", "サカモト"],
  ["遠藤", "エンドウ"],
  ["青木", "アオキ"],
  ["藤井", "フジイ"],
  ["西村", "ニシムラ"],
  ["福田", "フクダ"],
];
const BOYS: readonly [string, string][] = [
  ["翔太", "ショウタ"],
  ["蓮", "レン"],
  ["大翔", "ヒロト"],
  ["陽翔", "ハルト"],
  ["悠真", "ユウマ"],
  ["湊", "ミナト"],
  ["樹", "イツキ"],
  ["颯太", "ソウタ"],
  ["健太", "ケンタ"],
  ["優希", "ユウキ"],
  ["拓海", "タクミ"],
  ["陸", "リク"],
  ["蒼", "アオイ"],
  ["朝陽", "アサヒ"],
  ["律", "リツ"],
  ["新", "アラタ"],
  ["陽太", "ヨウタ"],
  ["奏太", "ソウタ"],
  ["大和", "ヤマト"],
  ["誠", "マコト"],
  ["浩二", "コウジ"],
  ["徹", "トオル"],
  ["隆", "タカシ"],
  ["直樹", "ナオキ"],
];
const GIRLS: readonly [string, string][] = [
  ["陽葵", "ヒマリ"],
  ["結菜", "ユイナ"],
  ["葵", "アオイ"],
  ["凛", "リン"],
  ["芽依", "メイ"],
  ["さくら", "サクラ"],
  ["美咲", "ミサキ"],
  ["結衣", "ユイ"],
  ["陽菜", "ヒナ"],
  ["莉子", "リコ"],
  ["紬", "ツムギ"],
  ["優希", "ユウキ"],
  ["杏", "アン"],
  ["澪", "ミオ"],
  ["楓", "カエデ"],
  ["花子", "ハナコ"],
  ["真央", "マオ"],
  ["愛", "アイ"],
  ["由紀", "ユキ"],
  ["恵子", "ケイコ"],
  ["陽子", "ヨウコ"],
  ["美穂", "ミホ"],
  ["千尋", "チヒロ"],
  ["彩", "アヤ"],
];
const VARIANTS: Readonly<Record<string, string>> = { 高: "髙", 崎: "﨑", 辺: "邊", 斎: "齋" };
const HALF: Readonly<Record<string, string>> = Object.fromEntries(
  Array.from(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワンァィゥェォャュョッー",
  ).map(
    (c, i) =>
      [c, "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝｧｨｩｪｫｬｭｮｯｰ"[i] as string] as [
        string,
        string,
      ],
  ),
);
const VOICED: Readonly<Record<string, string>> = {
  ガ: "ｶﾞ",
  ギ: "ｷﾞ",
  グ: "ｸﾞ",
  ゲ: "ｹﾞ",
  ゴ: "ｺﾞ",
  ザ: "ｻﾞ",
  ジ: "ｼﾞ",
  ズ: "ｽﾞ",
  ゼ: "ｾﾞ",
  ゾ: "ｿﾞ",
  ダ: "ﾀﾞ",
  デ: "ﾃﾞ",
  ド: "ﾄﾞ",
  バ: "ﾊﾞ",
  ビ: "ﾋﾞ",
  ブ: "ﾌﾞ",
  ベ: "ﾍﾞ",
  ボ: "ﾎﾞ",
  パ: "ﾊﾟ",
};

export interface Population {
  readonly records: LinkRecord[];
  /** Per record: the true person. */
  readonly truth: number[];
  /** Pairs of resident numbers held by one person. */
  readonly twoNumberPeople: [string, string][];
  /** True person ids of twins (pairs). */
  readonly twins: [number, number][];
}

/** A seeded population of about `households` households. */
export function makePopulation(households: number, seed: number, asOf = "2024-10-01"): Population {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const records: LinkRecord[] = [];
  const truth: number[] = [];
  const twoNumberPeople: [string, string][] = [];
  const twins: [number, number][] = [];
  let person = 0;
  let resident = 100000;
  const rows = new Map<string, number>();
  const add = (source: string, r: Omit<LinkRecord, "source" | "file" | "row">, who: number) => {
    const file = `${source}.csv`;
    const row = (rows.get(file) ?? 0) + 1;
    rows.set(file, row);
    records.push({ source: source as SourceId, file, row, ...r });
    truth.push(who);
  };
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}` as IsoDate;
  const kanaOut = (kana: string): string => {
    const x = rnd();
    if (x < 0.15) return Array.from(kana, (c) => VOICED[c] ?? HALF[c] ?? c).join("");
    if (x < 0.25)
      return Array.from(kana, (c) =>
        c >= "ァ" && c <= "ヶ" ? String.fromCharCode(c.charCodeAt(0) - 0x60) : c,
      ).join("");
    if (x < 0.32) return kana.replace("ウ", "ー").replace("オオ", "オー");
    return kana;
  };
  const nameOut = (family: string, given: string): string => {
    let f = family;
    let g = given;
    if (rnd() < 0.2) f = Array.from(f, (c) => VARIANTS[c] ?? c).join("");
    if (rnd() < 0.03) f = `〓${Array.from(f).slice(1).join("")}`;
    if (rnd() < 0.1) return f + g;
    if (rnd() < 0.2) g = g.trim();
    return `${f}${rnd() < 0.5 ? "　" : " "}${g}`;
  };
  const gradeOf = (birth: string): number => {
    const y = Number(birth.slice(0, 4));
    const md = Number(birth.slice(5, 7)) * 100 + Number(birth.slice(8, 10));
    const cohort = md >= 402 ? y : y - 1;
    const sy =
      Number(asOf.slice(5, 7)) >= 4 ? Number(asOf.slice(0, 4)) : Number(asOf.slice(0, 4)) - 1;
    return sy - cohort - 6;
  };
  const SCHOOLS = ["第一小学校", "第二小学校", "中央中学校"];
  for (let h = 0; h < households; h++) {
    const [family, familyKana] = pick(FAMILIES);
    const household = `H${String(h + 1).padStart(6, "0")}` as HouseholdNo;
    const address = `東京都みどり市${pick(["本町", "栄町", "緑が丘", "旭町"])}${1 + Math.floor(rnd() * 5)}丁目${1 + Math.floor(rnd() * 30)}番${1 + Math.floor(rnd() * 20)}号`;
    const members: {
      given: [string, string];
      birth: IsoDate;
      sex: Sex;
      rel: string;
      child: boolean;
    }[] = [];
    const father = pick(BOYS);
    const mother = pick(GIRLS);
    // Parents and children of one household never share a given name.
    const used = new Set<string>([father[0], mother[0]]);
    members.push({
      given: father,
      birth: date(
        1975 + Math.floor(rnd() * 15),
        1 + Math.floor(rnd() * 12),
        1 + Math.floor(rnd() * 28),
      ),
      sex: "male",
      rel: "世帯主",
      child: false,
    });
    members.push({
      given: mother,
      birth: date(
        1975 + Math.floor(rnd() * 15),
        1 + Math.floor(rnd() * 12),
        1 + Math.floor(rnd() * 28),
      ),
      sex: "female",
      rel: "妻",
      child: false,
    });
    const nChildren = Math.floor(rnd() * 3) + 1;
    for (let c = 0; c < nChildren; c++) {
      const sex: Sex = rnd() < 0.5 ? "male" : "female";
      let given = pick(sex === "male" ? BOYS : GIRLS);
      while (used.has(given[0])) given = pick(sex === "male" ? BOYS : GIRLS);
      used.add(given[0]);
      const birth = date(
        2010 + Math.floor(rnd() * 14),
        1 + Math.floor(rnd() * 12),
        1 + Math.floor(rnd() * 28),
      );
      members.push({ given, birth, sex, rel: "子", child: true });
      if (rnd() < 0.08) {
        // Twins: same 生年月日 and 世帯, different given names.
        let g2 = pick(sex === "male" ? BOYS : GIRLS);
        while (used.has(g2[0])) g2 = pick(sex === "male" ? BOYS : GIRLS);
        used.add(g2[0]);
        members.push({ given: g2, birth, sex, rel: "子", child: true });
        twins.push([person + members.length - 2, person + members.length - 1]);
      }
    }
    for (const m of members) {
      const who = person++;
      const rno = String(resident++) as ResidentNo;
      const name = `${family}　${m.given[0]}`;
      const kana = `${familyKana}　${m.given[1]}`;
      add(
        "jumin",
        {
          residentNo: rno,
          householdNo: household,
          name,
          nameKana: kana,
          birthDate: m.birth,
          sex: m.sex,
          address,
          relationship: m.rel,
        },
        who,
      );
      if (rnd() < 0.03) {
        // Moved out and back: a removed record under another 宛名番号 (and household).
        const old = String(resident++ + 500000) as ResidentNo;
        add(
          "jumin",
          {
            residentNo: old,
            householdNo: `H9${String(h).padStart(6, "0")}` as HouseholdNo,
            name,
            nameKana: kana,
            birthDate: m.birth,
            sex: m.sex,
            address: `東京都みどり市旭町9丁目${1 + Math.floor(rnd() * 9)}番1号`,
            removedDate: "2019-03-31" as IsoDate,
          },
          who,
        );
        twoNumberPeople.push([rno, old]);
      }
      if (!m.child) continue;
      const grade = gradeOf(m.birth);
      const school = grade <= 6 ? pick(SCHOOLS.slice(0, 2)) : SCHOOLS[2];
      if (grade >= 1 && grade <= 9) {
        add(
          "gakureibo",
          {
            residentNo: rno,
            name,
            nameKana: kana,
            birthDate: m.birth,
            sex: m.sex,
            school,
            grade,
            asOf: asOf as IsoDate,
          },
          who,
        );
        const typo = rnd() < 0.02;
        const birth = typo
          ? (`${m.birth.slice(0, 9)}${(Number(m.birth[9]) + 1) % 10}` as IsoDate)
          : m.birth;
        for (let term = 0; term < 2; term++)
          add(
            "shukketsu",
            {
              name: nameOut(family, m.given[0]),
              nameKana: rnd() < 0.1 ? null : kanaOut(`${familyKana} ${m.given[1]}`),
              birthDate: birth,
              sex: rnd() < 0.3 ? null : m.sex,
              school,
              grade,
              asOf: asOf as IsoDate,
            },
            who,
          );
      } else if (grade < 1) {
        add("nyuyoji_kenshin", { residentNo: rno }, who);
      }
      if (rnd() < 0.05)
        add(
          "ichiji_hogo",
          {
            name: nameOut(family, m.given[0]),
            nameKana: kanaOut(`${familyKana} ${m.given[1]}`),
            birthDate: m.birth,
            sex: m.sex,
          },
          who,
        );
    }
  }
  // Children known to schools but not in the registry (居所不明 risk).
  for (let k = 0; k < Math.max(1, Math.floor(households / 50)); k++) {
    const [family, familyKana] = pick(FAMILIES);
    const [given, givenKana] = pick(BOYS);
    const birth = date(
      2012 + Math.floor(rnd() * 6),
      1 + Math.floor(rnd() * 12),
      1 + Math.floor(rnd() * 28),
    );
    const who = person++;
    for (let term = 0; term < 2; term++)
      add(
        "shukketsu",
        {
          name: `${family} ${given}`,
          nameKana: `${familyKana} ${givenKana}`,
          birthDate: birth,
          sex: "male",
          school: "第一小学校",
          grade: gradeOf(birth),
          asOf: asOf as IsoDate,
        },
        who,
      );
  }
  return { records, truth, twoNumberPeople, twins };
}

/** Pairwise precision and recall of predicted clusters against truth (rows with a null prediction are singletons). */
export function pairwiseScores(
  predicted: readonly (string | null)[],
  truth: readonly number[],
): { precision: number; recall: number; f1: number; tp: number; fp: number; fn: number } {
  const pairCount = (keys: readonly string[]) => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    let n = 0;
    for (const c of m.values()) n += (c * (c - 1)) / 2;
    return n;
  };
  const pred = predicted.map((p, i) => p ?? `__single${i}`);
  const tr = truth.map(String);
  const both = pred.map((p, i) => `${p}\u0001${tr[i]}`);
  const tp = pairCount(both);
  const pp = pairCount(pred);
  const tt = pairCount(tr);
  const precision = pp === 0 ? 1 : tp / pp;
  const recall = tt === 0 ? 1 : tp / tt;
  return {
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    tp,
    fp: pp - tp,
    fn: tt - tp,
  };
}
