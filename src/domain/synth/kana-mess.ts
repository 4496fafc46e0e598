/**
 * The ways a kana reading of one name differs between department files, as the pilots met
 * them (2024 final report §2.4: matching on 基本4情報 across systems): hiragana instead of
 * katakana, half-width kana from legacy systems (some without small kana), ヴ written ブ,
 * ヂ/ヅ written ジ/ズ, long vowels written ー or ウ/オ, and keying slips in school files.
 * Input is always full-width katakana (the registry form).
 */
import type { Rng } from "./random.ts";

const HALF: Record<string, string> = {};
{
  const full =
    "ァアィイゥウェエォオカキクケコサシスセソタチッツテトナニヌネノハヒフヘホマミムメモャヤュユョヨラリルレロワヲンー・";
  const half = "ｧｱｨｲｩｳｪｴｫｵｶｷｸｹｺｻｼｽｾｿﾀﾁｯﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓｬﾔｭﾕｮﾖﾗﾘﾙﾚﾛﾜｦﾝｰ･";
  for (let i = 0; i < full.length; i++) HALF[full[i] as string] = half[i] as string;
  const voiced = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ";
  const base = "カキクケコサシスセソタチツテトハヒフヘホ";
  for (let i = 0; i < voiced.length; i++) HALF[voiced[i] as string] = `${HALF[base[i] as string]}ﾞ`;
  const semi = "パピプペポ";
  const semiBase = "ハヒフヘホ";
  for (let i = 0; i < semi.length; i++) HALF[semi[i] as string] = `${HALF[semiBase[i] as string]}ﾟ`;
  HALF.ヴ = "ｳﾞ";
  HALF["　"] = " ";
  HALF[" "] = " ";
}

const SMALL_TO_LARGE: Record<string, string> = {
  ァ: "ア",
  ィ: "イ",
  ゥ: "ウ",
  ェ: "エ",
  ォ: "オ",
  ッ: "ツ",
  ャ: "ヤ",
  ュ: "ユ",
  ョ: "ヨ",
};

/** Full-width katakana → half-width; `noSmall` also writes small kana large (old systems). */
export function toHalfWidthKana(s: string, noSmall = false): string {
  let out = "";
  for (const ch of s) {
    const c = noSmall ? (SMALL_TO_LARGE[ch] ?? ch) : ch;
    out += HALF[c] ?? c;
  }
  return out;
}

/** Katakana → hiragana. ヴ stays katakana: ゔ is missing from CP932 and from many systems. */
export function toHiragana(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c >= 0x30a1 && c <= 0x30f3 ? String.fromCharCode(c - 0x60) : ch;
  }
  return out;
}

const O_ROW = "オコソトノホモヨロゴゾドボポョ";
const U_ROW = "ウクスツヌフムユルグズヅブプュ";
const E_ROW = "エケセテネヘメレゲゼデベペ";

/**
 * Writes one long vowel the other way: オウ/オオ/ウウ/エイ → ー, or ー → ウ. Returns `s`
 * unchanged when it has no long vowel.
 */
export function varyLongVowel(s: string, rng: Rng): string {
  const chars = Array.from(s);
  const spots: number[] = [];
  for (let i = 1; i < chars.length; i++) {
    const prev = chars[i - 1] as string;
    const c = chars[i] as string;
    if (c === "ー") spots.push(i);
    else if (c === "ウ" && (O_ROW.includes(prev) || U_ROW.includes(prev))) spots.push(i);
    else if (c === "オ" && O_ROW.includes(prev)) spots.push(i);
    else if (c === "イ" && E_ROW.includes(prev)) spots.push(i);
  }
  if (spots.length === 0) return s;
  const i = spots[rng.int(spots.length)] as number;
  const prev = chars[i - 1] as string;
  if (chars[i] === "ー")
    chars[i] = O_ROW.includes(prev) ? "ウ" : E_ROW.includes(prev) ? "イ" : "ウ";
  else chars[i] = "ー";
  return chars.join("");
}

/** ヂ→ジ, ヅ→ズ (現代仮名遣い spelling that clerks type) and back for ジ/ズ. */
export function varyJiZu(s: string, rng: Rng): string {
  if (/[ヂヅ]/.test(s)) return s.replace(/ヂ/g, "ジ").replace(/ヅ/g, "ズ");
  if (/[ジズ]/.test(s) && rng.chance(0.3)) return s.replace("ジ", "ヂ").replace("ズ", "ヅ");
  return s;
}

/** ヴァ→バ, ヴィ→ビ, ヴ→ブ, ヴェ→ベ, ヴォ→ボ (or back, バ→ヴァ for foreign names). */
export function varyVu(s: string): string {
  if (s.includes("ヴ")) {
    return s
      .replace(/ヴァ/g, "バ")
      .replace(/ヴィ/g, "ビ")
      .replace(/ヴェ/g, "ベ")
      .replace(/ヴォ/g, "ボ")
      .replace(/ヴ/g, "ブ");
  }
  return s.replace(/バ/, "ヴァ").replace(/ベ/, "ヴェ");
}

const CONFUSABLE: Record<string, string> = {
  シ: "ツ",
  ツ: "シ",
  ソ: "ン",
  ン: "ソ",
  ヨ: "ョ",
  ョ: "ヨ",
  ユ: "ュ",
  ュ: "ユ",
  ヤ: "ャ",
  ャ: "ヤ",
  ッ: "ツ",
  カ: "ガ",
  ガ: "カ",
  タ: "ダ",
  ダ: "タ",
  ハ: "バ",
  バ: "ハ",
  サ: "ザ",
  ザ: "サ",
  キ: "ギ",
  ト: "ド",
  コ: "ゴ",
  ケ: "ゲ",
  チ: "テ",
  ミ: "ニ",
};

/** One keying slip: a confusable kana, a dropped kana or a doubled kana (never on a space). */
export function kanaTypo(s: string, rng: Rng): string {
  const chars = Array.from(s);
  const spots = chars.map((c, i) => (c === " " || c === "　" ? -1 : i)).filter((i) => i >= 0);
  if (spots.length < 2) return s;
  const i = spots[rng.int(spots.length)] as number;
  const c = chars[i] as string;
  const kind = rng.int(3);
  if (kind === 0 && CONFUSABLE[c]) chars[i] = CONFUSABLE[c] as string;
  else if (kind === 1 && spots.length > 3) chars.splice(i, 1);
  else chars.splice(i, 0, c);
  return chars.join("");
}
