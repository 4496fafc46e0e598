/**
 * Builds src/domain/ja/variant-table.generated.ts — the 異体字 (kanji variant) table that
 * `foldVariants` (src/domain/ja/variants.ts) uses for name matching and that the synthetic
 * municipality uses to write 異体字 into some sources.
 *
 * Source: the MJ縮退マップ (MJ Map) of the 文字情報基盤 project, © IPA (独立行政法人情報処理推進機構)
 * / CITPC (一般社団法人 文字情報技術促進協議会), CC BY-SA 2.1 JP, read from the SQLite database of
 * `@mandel59/mojidata` (tables `mjsm_*` and `mji`) with sql.js (wasm, no native build).
 *
 * Runs at `npm install` (postinstall) and `npm run build:tables`; it skips the work when the
 * generated file already carries the stamp of this script and of the installed database.
 *
 * How a character gets its canonical representative:
 *  1. Every MJ row of the 縮退 tables listed in TABLES gives an edge "the UCS character of this
 *     MJ glyph → its 縮退 target", with the table's priority (lower wins). The loose tables
 *     (読み字形による類推, 辞書類等による関連字) and 民一2842号 別字 (a *different* character
 *     written by mistake, e.g. 傅→傳) are left out: union over them merges unrelated characters
 *     (島 with 雀, 濱 with 頻), which would make name matching link different surnames.
 *  2. Each character keeps its single best edge (table priority, then hop count / 順位, then
 *     the more standard target). 常用漢字 never get an outgoing edge: they are the standard
 *     forms the maps reduce to.
 *  3. CJK compatibility ideographs (U+F900–FAFF, U+2F800–2FA1F) map to their NFC form, and
 *     Kangxi / CJK radicals (U+2E80–2FDF, which PDF copy-paste puts into names) to their NFKC
 *     form.
 *  4. Chains are followed to their end, so every character maps straight to its root and
 *     folding is idempotent; a cycle (rare) is cut at its most standard member.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import iconv from "iconv-lite";
import initSqlJs from "sql.js";

const root = join(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const mojidataDir = dirname(require.resolve("@mandel59/mojidata/package.json"));
const dbPath = join(mojidataDir, "dist", "moji.db");
const outPath = join(root, "src", "domain", "ja", "variant-table.generated.ts");

/** MJ縮退マップ tables used, with their priority (lower = more authoritative). */
const TABLES: readonly { name: string; priority: number; rank?: "ホップ数" | "順位" }[] = [
  { name: "mjsm_戸籍統一文字情報_親字正字", priority: 10, rank: "ホップ数" },
  { name: "mjsm_民二5202号通知別表_正字俗字等対照表", priority: 20 },
  { name: "mjsm_民一2842号通達別表_誤字俗字正字一覧表_俗字", priority: 30 },
  { name: "mjsm_民一2842号通達別表_誤字俗字正字一覧表_無印", priority: 31 },
  { name: "mjsm_法務省告示582号別表第四_一", priority: 40, rank: "順位" },
  { name: "mjsm_法務省告示582号別表第四_二", priority: 50, rank: "順位" },
  { name: "mjsm_JIS包摂規準UCS統合規則", priority: 60 },
];

function stampOf(): string {
  const h = createHash("sha256");
  h.update(readFileSync(import.meta.filename));
  const inputHash = join(mojidataDir, "dist", ".moji.db.input.sha256");
  h.update(
    existsSync(inputHash)
      ? readFileSync(inputHash)
      : readFileSync(join(mojidataDir, "package.json")),
  );
  h.update(String((require("iconv-lite/package.json") as { version: string }).version));
  return h.digest("hex").slice(0, 16);
}

function isSingleCodePoint(s: unknown): s is string {
  if (typeof s !== "string" || s === "") return false;
  const cp = s.codePointAt(0) as number;
  return s.length === (cp > 0xffff ? 2 : 1);
}

const cp932Cache = new Map<string, boolean>();
function cp932Encodable(ch: string): boolean {
  let ok = cp932Cache.get(ch);
  if (ok === undefined) {
    ok = iconv.decode(iconv.encode(ch, "cp932"), "cp932") === ch;
    cp932Cache.set(ch, ok);
  }
  return ok;
}

/** In JIS X 0208: CP932-encodable with a lead byte outside the NEC row 13 (0x87) and the NEC/IBM extensions (0xED–0xFC). */
function jisX0208(ch: string): boolean {
  if (!cp932Encodable(ch)) return false;
  const lead = iconv.encode(ch, "cp932")[0] as number;
  return lead !== 0x87 && lead < 0xed;
}

async function build(stamp: string): Promise<string> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(dbPath));
  const column = (sql: string): string[] =>
    (db.exec(sql)[0]?.values ?? []).map((r) => String(r[0]));

  const joyo = new Set(column("SELECT DISTINCT 漢字 FROM joyo"));
  const jinmei = new Set(column("SELECT DISTINCT UCS FROM unihan_each_kJinmeiyoKanji"));
  // Hop-1 edges of the 戸籍統一文字 親字・正字 table: a variant whose 親字 (parent character in the
  // family-register character set) is directly its standard form — the 異体字 people actually
  // have in registered names (髙→高, 﨑→崎, 邉→辺, 齋→斎, 濱→浜, 澤→沢, 德→徳).
  const kangxi = new Set(column("SELECT DISTINCT 康熙字典体 FROM joyo_kangxi"));
  const kosekiParent = new Map<string, Set<string>>();
  for (const [from, to] of db.exec(
    `SELECT coalesce(nullif(j.実装したUCS, ''), j.対応するUCS), m.縮退UCS
     FROM "mjsm_戸籍統一文字情報_親字正字" m JOIN mji j USING (MJ文字図形名) WHERE m.ホップ数 = 1`,
  )[0]?.values ?? []) {
    if (!isSingleCodePoint(from) || !isSingleCodePoint(to) || from === to) continue;
    const set = kosekiParent.get(from) ?? new Set<string>();
    set.add(to);
    kosekiParent.set(from, set);
  }

  /** Lower = more standard; used to choose targets and cycle roots. */
  const standardness = (ch: string): number => {
    if (joyo.has(ch)) return 0;
    if (jinmei.has(ch)) return 1;
    if (cp932Encodable(ch)) return 2;
    return (ch.codePointAt(0) as number) <= 0xffff ? 3 : 4;
  };
  const moreStandard = (a: string, b: string): boolean => {
    const sa = standardness(a);
    const sb = standardness(b);
    return sa !== sb ? sa < sb : (a.codePointAt(0) as number) < (b.codePointAt(0) as number);
  };

  type Edge = { to: string; key: number };
  const best = new Map<string, Edge>();
  const offer = (from: string, to: string, key: number) => {
    if (from === to || joyo.has(from)) return;
    const cur = best.get(from);
    if (!cur || key < cur.key || (key === cur.key && moreStandard(to, cur.to)))
      best.set(from, { to, key });
  };

  for (const t of TABLES) {
    const rank = t.rank ? `m."${t.rank}"` : "0";
    const res = db.exec(
      `SELECT coalesce(nullif(j.実装したUCS, ''), j.対応するUCS), m.縮退UCS, ${rank}
       FROM "${t.name}" m JOIN mji j USING (MJ文字図形名)`,
    );
    for (const [from, to, r] of res[0]?.values ?? []) {
      if (isSingleCodePoint(from) && isSingleCodePoint(to))
        offer(from, to, t.priority * 100 + Number(r ?? 0));
    }
  }
  db.close();

  const ranges: [number, number, "NFC" | "NFKC"][] = [
    [0xf900, 0xfaff, "NFC"],
    [0x2f800, 0x2fa1f, "NFC"],
    [0x2e80, 0x2fdf, "NFKC"],
  ];
  for (const [lo, hi, form] of ranges) {
    for (let cp = lo; cp <= hi; cp++) {
      const ch = String.fromCodePoint(cp);
      const n = ch.normalize(form);
      if (n !== ch && isSingleCodePoint(n)) best.set(ch, { to: n, key: 0 });
    }
  }

  // Follow chains to the root; cut cycles at their most standard member.
  const canonical = new Map<string, string>();
  const resolve = (start: string): string => {
    const path: string[] = [];
    const seen = new Set<string>();
    let c = start;
    while (true) {
      const known = canonical.get(c);
      if (known !== undefined) {
        c = known;
        break;
      }
      const e = best.get(c);
      if (!e) break;
      if (seen.has(c)) {
        const cycle = path.slice(path.indexOf(c));
        c = cycle.reduce((a, b) => (moreStandard(a, b) ? a : b));
        best.delete(c);
        break;
      }
      seen.add(c);
      path.push(c);
      c = e.to;
    }
    for (const p of path) canonical.set(p, c);
    return c;
  };
  for (const from of [...best.keys()]) resolve(from);

  const pairs = [...canonical.entries()]
    .filter(([from, to]) => from !== to)
    .sort(([a], [b]) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
  const members = new Set<string>();
  for (const [from, to] of pairs) members.add(from).add(to);
  const flagged = (pred: (c: string) => boolean) =>
    [...members]
      .filter(pred)
      .sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number))
      .join("");

  const koseki = (c: string) => kosekiParent.get(c)?.has(canonical.get(c) ?? "") ?? false;
  const pairText = pairs.map(([f, t]) => f + t).join("");
  return [
    "// GENERATED by scripts/build-variant-table.ts at npm install — do not edit, not committed.",
    `// stamp: ${stamp}`,
    "//",
    "// Derived from the MJ縮退マップ (MJ Map) and MJ文字情報一覧表 of the 文字情報基盤 project,",
    "// © IPA 独立行政法人情報処理推進機構 / CITPC 一般社団法人 文字情報技術促進協議会,",
    "// licensed CC BY-SA 2.1 JP (https://creativecommons.org/licenses/by-sa/2.1/jp/), as",
    "// packaged by @mandel59/mojidata. This derived table is under the same licence.",
    "",
    `/** Stamp of the script and input this table was built from. */`,
    `export const VARIANT_TABLE_STAMP = ${JSON.stringify(stamp)};`,
    "",
    `/** ${pairs.length} pairs, concatenated: a variant code point, then its canonical representative. */`,
    `export const VARIANT_PAIRS: string = ${JSON.stringify(pairText)};`,
    "",
    "/** Members of a variant group that CP932 (Shift_JIS) can encode. */",
    `export const CP932_CHARS: string = ${JSON.stringify(flagged(cp932Encodable))};`,
    "",
    "/** Members of a variant group in JIS X 0208 (the character set of older systems; CP932 minus NEC/IBM extensions). */",
    `export const JIS0208_CHARS: string = ${JSON.stringify(flagged(jisX0208))};`,
    "",
    "/** Variants whose 戸籍統一文字 親字 (hop 1) is their canonical form: the 異体字 found in registered names. */",
    `export const KOSEKI_VARIANT_CHARS: string = ${JSON.stringify(flagged(koseki))};`,
    "",
    "/**",
    " * The commonly registered ones among them: 康熙字典体 of a 常用漢字 (澤, 濱, 齋, 邊, 德, 廣 …) or",
    " * characters of the CP932 NEC/IBM extensions, which vendors added for names (髙, 﨑 …).",
    " */",
    `export const COMMON_NAME_VARIANT_CHARS: string = ${JSON.stringify(flagged((c) => koseki(c) && (kangxi.has(c) || (cp932Encodable(c) && !jisX0208(c)))))};`,
    "",
  ].join("\n");
}

const stamp = stampOf();
const current = existsSync(outPath) ? readFileSync(outPath, "utf8").slice(0, 300) : "";
if (current.includes(`// stamp: ${stamp}`)) {
  process.stdout.write("variant table: up to date\n");
} else {
  const t0 = performance.now();
  const text = await build(stamp);
  mkdirSync(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, outPath);
  process.stdout.write(
    `variant table: wrote ${outPath} (${(text.length / 1024).toFixed(0)} KiB chars) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}
