/**
 * Links the independent town in process, as `mimamori run` does (every CSV through the real
 * ingest, bench/linkage-synth.bench.ts `readMunicipality`, then `linkRecords`), and scores it
 * against the town's truth (score.ts). `npx tsx bench/independent-town/measure.ts TOWN
 * [--as-of DATE]` prints the scores as JSON; the Vitest test (town.test.ts) uses
 * `measureTown`. With MIMAMORI_TOWN_LINKS=FILE it also writes file,row,person_id,probability,method. The CLI path (import, run, export links, score.ts) gives the same links.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { linkRecords } from "../../src/domain/linkage/japanese.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { readMunicipality } from "../linkage-synth.bench.ts";
import { readTruth, scoreTown, type TownScore } from "./score.ts";

export async function measureTown(
  dir: string,
  asOf: string,
): Promise<TownScore & { review: number; linkMs: number }> {
  const { records } = await readMunicipality(dir, asOf as IsoDate);
  const t0 = performance.now();
  const result = linkRecords(records);
  const linkMs = performance.now() - t0;
  const predicted = new Map<string, string | null>();
  records.forEach((r, i) => {
    predicted.set(`${r.file}#${r.row}`, result.links.at(i)?.personId ?? null);
  });
  const out = process.env.MIMAMORI_TOWN_LINKS;
  if (out)
    writeFileSync(
      out,
      `file,row,person_id,probability,method\n${records
        .map((r, i) => {
          const l = result.links.at(i);
          return `${r.file},${r.row},${l?.personId ?? ""},${l?.probability ?? ""},${l?.method ?? ""}`;
        })
        .join("\n")}\n`,
    );
  return { ...scoreTown(readTruth(dir), predicted), review: result.review.length, linkMs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--as-of");
  const asOf = i >= 0 ? (args[i + 1] as string) : "2025-10-01";
  const dir = args.find((a, k) => !a.startsWith("--") && args[k - 1] !== "--as-of");
  if (!dir) {
    process.stderr.write(
      "使い方: tsx bench/independent-town/measure.ts 町のフォルダ [--as-of 日付]\n",
    );
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await measureTown(dir, asOf), null, 1)}\n`);
}
