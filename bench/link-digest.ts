/**
 * Same links before and after an optimisation: `npx tsx bench/link-digest.ts DIR [OUT.json]
 * [--compare BEFORE.json]` links a `mimamori synth` folder (as bench/linkage-synth.bench.ts
 * reads it) twice — a first run, then a second with the first run's person-id state and
 * every review item decided as the first run's person ids say — and writes SHA-256 digests of
 * what a run stores: every row's link (person id, method, probability, profile key), the
 * persons (id, 宛名番号, rows), the review queue (keys, anchors, persons, weight, reason), the
 * id assignment (anchor → id) and the split / merge events. With --compare it exits 1 when any
 * digest differs from the earlier file and names the parts that do. Timings are printed too
 * (informational; the machine is shared). `--columns` links the records held in columns
 * (domain/linkage/record-columns.ts) and gives the second run the earlier state packed
 * (domain/linkage/anchors.ts AnchorIdentity), as the monthly run does: the digests must not change.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { packIdentity } from "../src/domain/linkage/anchors.ts";
import { type LinkResult, linkRecords } from "../src/domain/linkage/japanese.ts";
import { EMPTY_STATE, nextState } from "../src/domain/linkage/person-ids.ts";
import { RecordColumns, type RecordList } from "../src/domain/linkage/record-columns.ts";
import type { LinkRecord } from "../src/domain/linkage/types.ts";
import { readMunicipality } from "./linkage-synth.bench.ts";

function digests(r: LinkResult): Record<string, string> {
  const part = (lines: Iterable<string>) => {
    const h = createHash("sha256");
    for (const l of lines) h.update(`${l}\n`);
    return h.digest("hex");
  };
  const links = function* () {
    for (let i = 0; i < r.links.length; i++) {
      const l = r.links.at(i);
      yield l ? `${l.personId}|${l.method}|${l.probability}|${l.profileKey}` : "-";
    }
  };
  return {
    links: part(links()),
    persons: part(
      r.persons.map(
        (p) =>
          `${p.personId}|${p.residentNos.join(",")}|${p.name}|${p.nameKana}|${p.birthDate}|${p.sex}|${p.householdNo}|${p.resident}|${p.records.join(",")}`,
      ),
    ),
    review: part(
      r.review.map(
        (v) =>
          `${v.leftKey}|${v.rightKey}|${v.leftAnchors.join(",")}|${v.rightAnchors.join(",")}|${v.leftPerson}|${v.rightPerson}|${v.weight}|${v.reason}|${v.pairs}|${v.rows}|${v.leftRecords.join(",")}|${v.rightRecords.join(",")}|${JSON.stringify(v.explanation)}`,
      ),
    ),
    assignment: part(
      [`next ${r.assignment.nextSeq}`].concat(
        [...r.assignment.updates].map(([k, v]) => `${k}=${v}`).sort(),
      ),
    ),
    events: part(r.events.map((e) => JSON.stringify(e))),
    unmatched: part(r.unmatched),
    decisions: part(r.decisions.map(String)),
  };
}

const args = process.argv.slice(2);
const once = args.includes("--once");
const columnar = args.includes("--columns");
const cmp = args.indexOf("--compare");
const before = cmp >= 0 ? (args[cmp + 1] as string) : undefined;
const positional = args.filter(
  (a, i) => a !== "--once" && a !== "--columns" && (cmp < 0 || (i !== cmp && i !== cmp + 1)),
);
const [dir, out] = positional;
if (!dir) {
  process.stderr.write("usage: tsx bench/link-digest.ts DIR [OUT.json] [--compare BEFORE.json]\n");
  process.exit(2);
}
const read = (await readMunicipality(dir)).records;
const records: RecordList = columnar ? columnsOf(read) : read;

function columnsOf(list: readonly LinkRecord[]): RecordColumns {
  const c = new RecordColumns();
  for (const r of list) c.push(r);
  return c.seal();
}
const mib = (b: number) => Math.round(b / 2 ** 20);
const afterRead = { heap: process.memoryUsage().heapUsed, rss: process.resourceUsage().maxRSS };
// Stage times in CPU milliseconds of this process (the machine is shared: wall time is not).
const clock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const t0 = clock();
const first = linkRecords(records, { clock });
const t1 = clock();
const afterLink = process.memoryUsage().heapUsed;
const rssLink = process.resourceUsage().maxRSS;
if (once) {
  process.stdout.write(
    `rows ${records.length}, persons ${first.persons.length}, review ${first.review.length}\n` +
      `link CPU ${((t1 - t0) / 1000).toFixed(1)} s (${Object.entries(first.stats.timings)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`)
        .join(", ")})\n` +
      `heap after read ${mib(afterRead.heap)} MiB (max RSS ${Math.round(afterRead.rss / 1024)} MiB); ` +
      `heap with the result held ${mib(afterLink)} MiB; max RSS ${Math.round(rssLink / 1024)} MiB\n`,
  );
  process.exit(0);
}
const decisions = first.review.map((v) => ({
  left: v.leftKey,
  right: v.rightKey,
  // Deterministic, not truth: "same" when the stronger half of the queue, else "different".
  same: v.probability >= 0.9,
  leftAnchors: v.leftAnchors,
  rightAnchors: v.rightAnchors,
}));
const state = nextState(EMPTY_STATE, first.assignment);
// With --columns the earlier state is packed too, as the monthly run reads it (loadIdentity).
const previous = columnar ? { ...state, byKey: packIdentity(state.byKey) } : state;
const second = linkRecords(records, { clock, decisions, previous, model: first.model });
const t2 = clock();
const result: Record<string, string> = {};
for (const [k, v] of Object.entries(digests(first))) result[`first.${k}`] = v;
for (const [k, v] of Object.entries(digests(second))) result[`second.${k}`] = v;
const fmt = (t: Readonly<Record<string, number>>) =>
  Object.entries(t)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`)
    .join(", ");
process.stdout.write(
  `rows ${records.length}, persons ${first.persons.length}, review ${first.review.length}\n` +
    `first run CPU ${((t1 - t0) / 1000).toFixed(1)} s (${fmt(first.stats.timings)})\n` +
    `second run CPU ${((t2 - t1) / 1000).toFixed(1)} s (${fmt(second.stats.timings)})\n` +
    `heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB, max RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`,
);
if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
if (before) {
  const old = JSON.parse(readFileSync(before, "utf8")) as Record<string, string>;
  const differ = Object.keys(old).filter((k) => old[k] !== result[k]);
  if (differ.length > 0) {
    process.stdout.write(`DIFFERENT: ${differ.join(", ")}\n`);
    process.exit(1);
  }
  process.stdout.write(`identical to ${before} (${Object.keys(old).length} digests)\n`);
}
