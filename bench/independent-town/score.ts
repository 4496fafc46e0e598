/**
 * Scores a linkage of the independent town against its truth (generate.ts): pairwise precision
 * and recall over every source row (two rows are a true pair when truth gives them one person; a
 * row without a person id is a singleton), twins merged, and for the analysis which difficulty
 * tags the missed and the false pairs carry.
 *
 * `npx tsx bench/independent-town/score.ts TOWN LINKS.csv` scores the CLI's
 * `mimamori export links` (cli.md: source,file,row,person_id,probability,method).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface TruthRow {
  readonly file: string;
  readonly row: number;
  readonly person: string;
  readonly tags: readonly string[];
}

export interface TownTruth {
  readonly rows: readonly TruthRow[];
  /** Twin pairs (person ids, the smaller first). */
  readonly twins: readonly (readonly [string, string])[];
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8")
    .split(/\r?\n/)
    .filter((l) => l !== "");
}

export function readTruth(dir: string): TownTruth {
  const rows = lines(join(dir, "truth", "records.csv"))
    .slice(1)
    .map((l) => {
      const [file, row, person, tags] = l.split(",");
      return {
        file: file as string,
        row: Number(row),
        person: person as string,
        tags: tags ? tags.split("|") : [],
      };
    });
  const persons = lines(join(dir, "truth", "persons.csv"));
  const header = (persons[0] as string).split(",");
  const id = header.indexOf("person_id");
  const twin = header.indexOf("twin_id");
  const twins: [string, string][] = [];
  for (const l of persons.slice(1)) {
    const c = l.split(",");
    const a = c[id] as string;
    const b = c[twin] as string;
    if (b && a < b) twins.push([a, b]);
  }
  return { rows, twins };
}

/** Reads `export links` CSV into file#row → person id (empty when unlinked). */
export function readLinks(path: string): Map<string, string> {
  const out = new Map<string, string>();
  const all = lines(path);
  const header = (all[0] as string).replace(/^\ufeff/, "").split(",");
  const file = header.indexOf("file");
  const row = header.indexOf("row");
  const person = header.indexOf("person_id");
  for (const l of all.slice(1)) {
    const c = l.split(",");
    out.set(`${c[file]}#${c[row]}`, c[person] ?? "");
  }
  return out;
}

export interface TownScore {
  readonly rows: number;
  readonly precision: number;
  readonly recall: number;
  readonly truePairs: number;
  readonly predictedPairs: number;
  readonly falsePairs: number;
  readonly missedPairs: number;
  readonly twinPairs: number;
  readonly twinMerges: number;
  /** Rows not in the linkage output at all (should be none). */
  readonly absent: number;
  /** Rows whose true person's rows are split, counted per difficulty tag (rows outside the person's largest part). */
  readonly missedRowsByTag: Readonly<Record<string, number>>;
  /** Rows placed with a person holding rows of another true person, per tag (rows outside the cluster's majority). */
  readonly falseRowsByTag: Readonly<Record<string, number>>;
  /** Example rows split from their person (file#row), at most 40. */
  readonly missedExamples: readonly string[];
  readonly falseExamples: readonly string[];
}

const pairs = (n: number) => (n * (n - 1)) / 2;

/** Pairwise scores of predicted person ids (by file#row) against the truth. */
export function scoreTown(
  truth: TownTruth,
  predicted: ReadonlyMap<string, string | null>,
): TownScore {
  let absent = 0;
  const pred = truth.rows.map((t, i) => {
    const p = predicted.get(`${t.file}#${t.row}`);
    if (p === undefined) absent++;
    return p ? p : `~${i}`;
  });
  const byTrue = new Map<string, number[]>();
  const byPred = new Map<string, number[]>();
  const both = new Map<string, number>();
  truth.rows.forEach((t, i) => {
    byTrue.set(t.person, [...(byTrue.get(t.person) ?? []), i]);
    byPred.set(pred[i] as string, [...(byPred.get(pred[i] as string) ?? []), i]);
    const k = `${t.person}\u0000${pred[i]}`;
    both.set(k, (both.get(k) ?? 0) + 1);
  });
  let tt = 0;
  let pp = 0;
  let tp = 0;
  for (const l of byTrue.values()) tt += pairs(l.length);
  for (const l of byPred.values()) pp += pairs(l.length);
  for (const n of both.values()) tp += pairs(n);

  const tally = (into: Record<string, number>, tags: readonly string[]) => {
    for (const tag of tags.length > 0 ? tags : ["(none)"]) into[tag] = (into[tag] ?? 0) + 1;
  };
  const missedRowsByTag: Record<string, number> = {};
  const falseRowsByTag: Record<string, number> = {};
  const missedExamples: string[] = [];
  const falseExamples: string[] = [];
  const majority = (rows: readonly number[], key: (i: number) => string) => {
    const count = new Map<string, number>();
    for (const i of rows) count.set(key(i), (count.get(key(i)) ?? 0) + 1);
    return [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  };
  for (const rows of byTrue.values()) {
    const main = majority(rows, (i) => pred[i] as string);
    for (const i of rows)
      if (pred[i] !== main) {
        const t = truth.rows[i] as TruthRow;
        tally(missedRowsByTag, t.tags);
        if (missedExamples.length < 40) missedExamples.push(`${t.file}#${t.row} ${t.person}`);
      }
  }
  for (const rows of byPred.values()) {
    const main = majority(rows, (i) => (truth.rows[i] as TruthRow).person);
    for (const i of rows) {
      const t = truth.rows[i] as TruthRow;
      if (t.person !== main) {
        tally(falseRowsByTag, t.tags);
        if (falseExamples.length < 40)
          falseExamples.push(`${t.file}#${t.row} ${t.person} with ${main}`);
      }
    }
  }
  let twinMerges = 0;
  for (const [a, b] of truth.twins) {
    const pa = new Set((byTrue.get(a) ?? []).map((i) => pred[i]));
    if ((byTrue.get(b) ?? []).some((i) => pa.has(pred[i]))) twinMerges++;
  }
  return {
    rows: truth.rows.length,
    precision: pp === 0 ? 1 : tp / pp,
    recall: tt === 0 ? 1 : tp / tt,
    truePairs: tt,
    predictedPairs: pp,
    falsePairs: pp - tp,
    missedPairs: tt - tp,
    twinPairs: truth.twins.length,
    twinMerges,
    absent,
    missedRowsByTag,
    falseRowsByTag,
    missedExamples,
    falseExamples,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [dir, links] = process.argv.slice(2);
  if (!dir || !links) {
    process.stderr.write("使い方: tsx bench/independent-town/score.ts 町のフォルダ links.csv\n");
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(scoreTown(readTruth(dir), readLinks(links)), null, 1)}\n`);
}
