/**
 * Builds src/domain/synth/demo-names.generated.ts — the Japanese names with readings that
 * `mimamori synth` (and the demo town of `npm start`) uses when no gimei list is given.
 * The product must not need the gimei list of the shared test data (it is not shipped), so the
 * names are derived at install time from two npm packages:
 *
 * - `@faker-js/faker` (MIT, © 2022-2025 Faker contributors), locale `ja`: 500 family names
 *   and given names by sex (≈ 140 each). Faker has no readings.
 * - `kuromoji` (Apache-2.0, © 2014 Takuya Asano, © 2010-2014 Atilika Inc.) and the IPADIC
 *   dictionary it ships (mecab-ipadic-2.7.0-20070801, © 2000-2003 Nara Institute of Science
 *   and Technology (NAIST), with entries from ICOT Free Software; see kuromoji's NOTICE.md).
 *
 * How a name gets in:
 *  1. A faker name is kept when IPADIC has it as a single word 名詞,固有名詞,人名 of the right
 *     kind (姓 for family names, 名 for given names) with a katakana reading; that entry's reading
 *     (the lowest-cost one when there are several) is the name's reading. This is a lookup of
 *     the exact surface in the dictionary kuromoji's tokenizer uses, rather than the tokenizer's
 *     best path: on a name alone the tokenizer often prefers another sense (清水 and 新井 as
 *     組織, 上野 as 地域, さくら as 一般) although IPADIC has the surname or given name too.
 *  2. Faker's given names are too few for a town (≈ 100 per sex survive step 1), so more come
 *     from IPADIC's own 人名,名 entries, with the sex learned from the kept faker names. A
 *     candidate has 1–3 kanji, each used in some kept faker given name, and a katakana reading
 *     of 2–6 characters; its ending (last kanji + last kana of the reading, as 子+コ, 美+ミ,
 *     郎+ウ, 雄+オ) must end at least MIN_SUPPORT kept faker names of one sex and none of the
 *     other, and gives it that sex. The kana alone would mislead (コ ends 和彦 as well as 和子,
 *     which is why the kanji is part of the key); endings too rare to tell (紀+キ: 美紀 and 早紀
 *     only, but 秀紀 is a boy) are left out.
 *     The lowest-cost candidates are added until a pool holds GIVEN_POOL_SIZE names. A few
 *     names still get the less usual sex for them (美由樹 as a boy); it does not matter for
 *     synthetic residents.
 *  3. Family names are ordered by IPADIC word cost (lower first). The generator gives earlier
 *     family names more weight, and faker's list is in code-point order (三上, 三宅 … first);
 *     word cost puts common words such as 渡辺 and 高橋 first. It is not a surname frequency
 *     table (neither package has one).
 *
 * Runs at `npm install` (postinstall, after the variant table; by hand: `npx tsx
 * scripts/build-name-table.ts`). It skips the work when the generated file already carries the
 * stamp of this script and of the installed faker and kuromoji versions.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const root = join(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const kuromojiDir = dirname(require.resolve("kuromoji/package.json"));
const fakerDir = dirname(require.resolve("@faker-js/faker/package.json"));
const outPath = join(root, "src", "domain", "synth", "demo-names.generated.ts");

/** Given names per sex after step 2 (faker's names plus IPADIC's). */
const GIVEN_POOL_SIZE = 800;

/** Kept faker names an ending must end before it decides a sex (two could be chance). */
const MIN_SUPPORT = 3;

interface Name {
  readonly kanji: string;
  readonly kana: string;
}

/** One IPADIC 人名 entry. */
interface PersonEntry {
  readonly kind: string;
  readonly reading: string;
  readonly cost: number;
}

/** The parts of kuromoji used here (the package has no type declarations). */
interface KuromojiByteBuffer {
  readonly buffer: Uint8Array;
  getShort(index: number): number;
}
interface KuromojiTokenizer {
  readonly token_info_dictionary: {
    readonly dictionary: KuromojiByteBuffer;
    getFeatures(tokenInfoId: number): string;
  };
}
interface Kuromoji {
  builder(options: { dicPath: string }): {
    build(callback: (err: Error | null, tokenizer: KuromojiTokenizer) => void): void;
  };
}

interface FakerJa {
  readonly person?: {
    readonly last_name?: { readonly generic?: readonly string[] };
    readonly first_name?: {
      readonly male?: readonly string[];
      readonly female?: readonly string[];
    };
  };
}

const KATAKANA = /^[\u30a1-\u30f6\u30fc]+$/;
const HAN = /^\p{Script=Han}+$/u;

function versionOf(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string })
    .version;
}

function stampOf(): string {
  return createHash("sha256")
    .update(readFileSync(import.meta.filename))
    .update(`faker ${versionOf(fakerDir)} kuromoji ${versionOf(kuromojiDir)}`)
    .digest("hex")
    .slice(0, 16);
}

async function loadTokenizer(): Promise<KuromojiTokenizer> {
  const kuromoji = require("kuromoji") as Kuromoji;
  return new Promise((resolve, reject) => {
    kuromoji
      .builder({ dicPath: join(kuromojiDir, "dict") })
      .build((err, tokenizer) => (err ? reject(err) : resolve(tokenizer)));
  });
}

/**
 * Every 名詞,固有名詞,人名 entry of the dictionary, by surface. kuromoji stores the token info
 * dictionary (tid.dat) as fixed 10-byte records — left id, right id, word cost (int16 each), then
 * the offset of "surface,pos,pos1,pos2,pos3,活用型,活用形,原形,読み,発音" in tid_pos.dat —
 * so walking it in steps of 10 visits every entry once (TokenInfoDictionary.put in kuromoji).
 */
function personEntries(tokenizer: KuromojiTokenizer): Map<string, PersonEntry[]> {
  const dict = tokenizer.token_info_dictionary;
  const size = dict.dictionary.buffer.length;
  const out = new Map<string, PersonEntry[]>();
  for (let id = 0; id + 10 <= size; id += 10) {
    const f = dict.getFeatures(id).split(",");
    if (f[1] !== "名詞" || f[2] !== "固有名詞" || f[3] !== "人名") continue;
    const surface = f[0] as string;
    const reading = f[8] ?? "";
    if (!KATAKANA.test(reading)) continue;
    const list = out.get(surface) ?? [];
    list.push({ kind: f[4] as string, reading, cost: dict.dictionary.getShort(id + 4) });
    out.set(surface, list);
  }
  let given = 0;
  for (const list of out.values()) if (list.some((e) => e.kind === "名")) given++;
  // A changed kuromoji layout would read garbage: IPADIC has ≈ 19,000 given names.
  if (given < 10_000) {
    throw new Error(
      `kuromoji's dictionary did not read as expected (${given} given names); see ${import.meta.filename}`,
    );
  }
  return out;
}

/** The lowest-cost entry of `kind` for `surface` (ties: the reading in code-point order). */
function best(
  entries: Map<string, PersonEntry[]>,
  surface: string,
  kind: string,
): PersonEntry | undefined {
  let found: PersonEntry | undefined;
  for (const e of entries.get(surface) ?? []) {
    if (e.kind !== kind) continue;
    if (
      found === undefined ||
      e.cost < found.cost ||
      (e.cost === found.cost && e.reading < found.reading)
    )
      found = e;
  }
  return found;
}

function byCost(a: { cost: number; kanji: string }, b: { cost: number; kanji: string }): number {
  return a.cost - b.cost || (a.kanji < b.kanji ? -1 : a.kanji > b.kanji ? 1 : 0);
}

/** Step 1: the names of `list` IPADIC has as `kind`, with readings, in faker's order. */
function withReadings(
  entries: Map<string, PersonEntry[]>,
  list: readonly string[],
  kind: string,
): { kanji: string; kana: string; cost: number }[] {
  const seen = new Set<string>();
  const out: { kanji: string; kana: string; cost: number }[] = [];
  for (const raw of list) {
    const kanji = raw.trim();
    if (seen.has(kanji)) continue;
    seen.add(kanji);
    const e = best(entries, kanji, kind);
    if (e) out.push({ kanji, kana: e.reading, cost: e.cost });
  }
  return out;
}

type Sex = "male" | "female";

/** Keys of at least MIN_SUPPORT kept faker names of one sex and of none of the other. */
function exclusive(
  named: Record<Sex, readonly Name[]>,
  key: (n: Name) => string,
): Map<string, Sex> {
  const counts = new Map<string, Record<Sex, number>>();
  for (const sex of ["male", "female"] as const) {
    for (const n of named[sex]) {
      const k = key(n);
      const c = counts.get(k) ?? { male: 0, female: 0 };
      c[sex]++;
      counts.set(k, c);
    }
  }
  const out = new Map<string, Sex>();
  for (const [k, c] of counts) {
    if (c.male >= MIN_SUPPORT && c.female === 0) out.set(k, "male");
    if (c.female >= MIN_SUPPORT && c.male === 0) out.set(k, "female");
  }
  return out;
}

const lastChar = (s: string): string => [...s].at(-1) as string;

/** Step 2: given names from IPADIC, with the sex the kept faker names imply. */
function extraGivenNames(
  entries: Map<string, PersonEntry[]>,
  named: Record<Sex, readonly Name[]>,
): Record<Sex, { kanji: string; kana: string; cost: number }[]> {
  const ending = (kanji: string, kana: string) => `${lastChar(kanji)}${lastChar(kana)}`;
  const sexOfEnding = exclusive(named, (n) => ending(n.kanji, n.kana));
  const nameKanji = new Set([...named.male, ...named.female].flatMap((n) => [...n.kanji]));
  const taken = new Set([...named.male, ...named.female].map((n) => n.kanji));
  const out: Record<Sex, { kanji: string; kana: string; cost: number }[]> = {
    male: [],
    female: [],
  };
  for (const surface of entries.keys()) {
    const chars = [...surface];
    if (taken.has(surface) || !HAN.test(surface) || chars.length > 3) continue;
    if (!chars.every((c) => nameKanji.has(c))) continue;
    const e = best(entries, surface, "名");
    if (!e || e.reading.length < 2 || e.reading.length > 6) continue;
    const sex = sexOfEnding.get(ending(surface, e.reading));
    if (sex === undefined) continue;
    out[sex].push({ kanji: surface, kana: e.reading, cost: e.cost });
  }
  out.male.sort(byCost);
  out.female.sort(byCost);
  return out;
}

interface Built {
  readonly family: readonly Name[];
  readonly male: readonly Name[];
  readonly female: readonly Name[];
  readonly counts: string;
}

async function build(): Promise<Built> {
  const { ja } = (await import("@faker-js/faker")) as unknown as { ja: FakerJa };
  const family = ja.person?.last_name?.generic ?? [];
  const male = ja.person?.first_name?.male ?? [];
  const female = ja.person?.first_name?.female ?? [];
  if (family.length === 0 || male.length === 0 || female.length === 0) {
    throw new Error("@faker-js/faker has no ja person names (person.last_name / first_name)");
  }
  const entries = personEntries(await loadTokenizer());
  const families = withReadings(entries, family, "姓").sort(byCost);
  const named: Record<Sex, { kanji: string; kana: string; cost: number }[]> = {
    male: withReadings(entries, male, "名"),
    female: withReadings(entries, female, "名"),
  };
  const extra = extraGivenNames(entries, named);
  const pool = (sex: Sex) =>
    [...named[sex], ...extra[sex].slice(0, Math.max(0, GIVEN_POOL_SIZE - named[sex].length))].map(
      ({ kanji, kana }) => ({ kanji, kana }),
    );
  const counts = [
    `family ${families.length} of faker's ${family.length}`,
    `male ${named.male.length} of faker's ${male.length} + ${Math.min(extra.male.length, GIVEN_POOL_SIZE - named.male.length)} from IPADIC`,
    `female ${named.female.length} of faker's ${female.length} + ${Math.min(extra.female.length, GIVEN_POOL_SIZE - named.female.length)} from IPADIC`,
  ].join("; ");
  return {
    family: families.map(({ kanji, kana }) => ({ kanji, kana })),
    male: pool("male"),
    female: pool("female"),
    counts,
  };
}

function render(stamp: string, built: Built): string {
  const list = (names: readonly Name[]) =>
    `[\n${names.map((n) => `    { kanji: ${JSON.stringify(n.kanji)}, kana: ${JSON.stringify(n.kana)} },`).join("\n")}\n  ]`;
  return [
    "// GENERATED by scripts/build-name-table.ts at npm install — do not edit, not committed.",
    `// stamp: ${stamp}`,
    "//",
    `// Names of synthetic residents (${built.counts}).`,
    `// Names from @faker-js/faker ${versionOf(fakerDir)}, locale ja (MIT, © 2022-2025 Faker contributors).`,
    `// Readings (and further given names) from the IPADIC dictionary shipped in kuromoji ${versionOf(kuromojiDir)}`,
    "// (kuromoji: Apache-2.0, © 2014 Takuya Asano, © 2010-2014 Atilika Inc. and contributors;",
    "// mecab-ipadic-2.7.0-20070801: © 2000-2003 Nara Institute of Science and Technology (NAIST),",
    "// entries from ICOT Free Software; provided without any warranty — see kuromoji's NOTICE.md).",
    "// How the names were chosen: scripts/build-name-table.ts and docs/synthetic-data.md.",
    "",
    'import type { NamePools } from "./names.ts";',
    "",
    "/** Stamp of the script and package versions this table was built from. */",
    `export const BUILT_IN_NAMES_STAMP = ${JSON.stringify(stamp)};`,
    "",
    "/** The built-in name pools: family names by IPADIC word cost, given names by sex. */",
    "export const BUILT_IN_NAME_POOLS: NamePools = {",
    `  family: ${list(built.family)},`,
    `  male: ${list(built.male)},`,
    `  female: ${list(built.female)},`,
    "};",
    "",
  ].join("\n");
}

const stamp = stampOf();
const current = existsSync(outPath) ? readFileSync(outPath, "utf8").slice(0, 300) : "";
if (current.includes(`// stamp: ${stamp}`)) {
  process.stdout.write("name table: up to date\n");
} else {
  const t0 = performance.now();
  const built = await build();
  const text = render(stamp, built);
  mkdirSync(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, outPath);
  process.stdout.write(
    `name table: wrote ${outPath} (${built.counts}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}
