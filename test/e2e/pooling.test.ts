/**
 * Issue 7 acceptance: three synthetic towns (different seeds), each through
 * import → 名寄せ → score → `mimamori stats export --min-cell 0` (exchanged under
 * a data-sharing agreement, docs/statistics.md: suppressed tables are left out
 * of pooling), then `mimamori stats pool` on the three files. Some item × type
 * that no town reaches alone must reach significance pooled, and the pooled
 * Mantel–Haenszel odds ratio must equal the figure computed here by hand from
 * the three files' counts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statsExport } from "../../src/cli/commands/stats-export.ts";
import { statsPool } from "../../src/cli/commands/stats-pool.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { type AggregateRow, parseAggregateCsv } from "../../src/domain/stats/aggregate.ts";
import { validateItem } from "../../src/domain/stats/validate-item.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { runLinkage } from "../../src/pipeline/linkage.ts";
import { scoreRun } from "../../src/pipeline/score.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const AS_OF = "2024-04-01" as IsoDate;
const actor = { userId: null, loginName: "test" };
const TOWNS = [
  { name: "みまもり町A", seed: 101 },
  { name: "みまもり町B", seed: 202 },
  { name: "みまもり町C", seed: 303 },
];
const dir = mkdtempSync(join(tmpdir(), "mimamori-pooling-"));
const dbs: TestDatabase[] = [];
const files: string[] = [];
const rows: AggregateRow[] = [];

beforeAll(async () => {
  for (const town of TOWNS) {
    const t = await createTestDatabase();
    dbs.push(t);
    const data = join(dir, `data-${town.seed}`);
    runSynth({
      profile: "town",
      seed: town.seed,
      out: data,
      asOf: AS_OF,
      names: BUILT_IN_NAME_POOLS,
    });
    const { id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault(
      town.name,
    );
    for (const path of await listImportFiles([data]))
      await importFile(t, path, { municipalityId, actor, asOf: AS_OF });
    await runLinkage(t, { municipalityId, actor });
    await scoreRun(t, { municipalityId, actor });
    const file = join(dir, `${town.seed}.csv`);
    const code = await statsExport.run(["--out", file, "--min-cell", "0"], {
      databaseUrl: t.url,
      home: dir,
    });
    if (code !== 0) throw new Error(`stats export exited ${code}`);
    files.push(file);
    rows.push(...parseAggregateCsv(readFileSync(file, "utf8"), file));
  }
}, 300_000);

afterAll(async () => {
  for (const t of dbs) await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

interface Pooled {
  item_id: string;
  difficulty: string;
  odds_ratio: number | null;
  p_corrected: number | null;
  associated: boolean;
  municipalities_used: string[];
}

async function pool(): Promise<Pooled[]> {
  const out = join(dir, "pooled.csv");
  let printed = "";
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    printed += s;
    return true;
  }) as typeof process.stdout.write;
  try {
    expect(
      await statsPool.run([...files, "--json", "--out", out], {
        databaseUrl: undefined,
        home: dir,
      }),
    ).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(printed) as Pooled[];
}

describe("pooling three towns' exports", () => {
  it("exports every item × type of each town, named by municipality, without suppression", () => {
    expect(new Set(rows.map((r) => r.municipality))).toEqual(new Set(TOWNS.map((t) => t.name)));
    expect(rows.every((r) => r.a !== null && r.b !== null && r.c !== null && r.d !== null)).toBe(
      true,
    );
  });

  it("reaches significance pooled for an item no town reaches alone, with the hand-computed MH OR", async () => {
    const pooled = await pool();
    const key = (r: { itemId: string; difficulty: string }) => `${r.itemId}|${r.difficulty}`;
    const byKey = new Map<string, AggregateRow[]>();
    for (const r of rows) byKey.set(key(r), [...(byKey.get(key(r)) ?? []), r]);
    const gained = pooled.filter((p) => {
      const strata = byKey.get(`${p.item_id}|${p.difficulty}`) ?? [];
      return (
        p.associated &&
        strata.length === 3 &&
        strata.every(
          (s) =>
            !validateItem({
              itemId: s.itemId,
              difficulty: s.difficulty,
              a: s.a as number,
              b: s.b as number,
              c: s.c as number,
              d: s.d as number,
            }).associated,
        )
      );
    });
    expect(gained.length).toBeGreaterThan(0);
    for (const p of gained) {
      const strata = byKey.get(`${p.item_id}|${p.difficulty}`) as AggregateRow[];
      // OR_MH = Σ aᵢdᵢ/nᵢ ÷ Σ bᵢcᵢ/nᵢ (Mantel & Haenszel 1959), from the files' own counts.
      let num = 0;
      let den = 0;
      for (const s of strata) {
        const [a, b, c, d] = [s.a, s.b, s.c, s.d] as number[];
        const n = (a as number) + (b as number) + (c as number) + (d as number);
        num += ((a as number) * (d as number)) / n;
        den += ((b as number) * (c as number)) / n;
      }
      expect(p.municipalities_used).toHaveLength(3);
      expect(p.odds_ratio).toBeCloseTo(num / den, 10);
      expect(p.p_corrected).toBeLessThanOrEqual(0.05);
    }
  });
});
