/**
 * What the web benchmarks share (web.bench.ts for latency under load,
 * case-cpu.ts for CPU per request): a synthetic municipality imported,
 * linked and scored into an embedded PostgreSQL with a coordinator who is a
 * 要対協 member, kept in a folder and reused when it is already built; a
 * login that returns the session cookie; and the CPU time of the embedded
 * server's processes from /proc.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OpenedDatabase } from "../src/db/database.ts";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { withDataScope } from "../src/db/scope.ts";
import { createUserRepository } from "../src/db/user.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFiles, listImportFiles } from "../src/pipeline/import.ts";
import { linkAndScore } from "../src/pipeline/run.ts";
import { runSynth } from "../src/pipeline/synth.ts";
import { hashPassword } from "../src/server/auth/password.ts";

export const BENCH_AS_OF = "2025-04-01" as IsoDate;
/** The password of every account the benchmarks make (never a real one). */
export const BENCH_PASSWORD = "bench-coordinator-2026";
/** The coordinator (総括管理, 要対協 member) the benchmarks log in as. */
export const BENCH_COORDINATOR = "bench-coord";

/**
 * The municipality of `opened`, with `synth --profile P --seed 1` imported,
 * linked and scored and the bench coordinator made, unless `dir/built` says
 * this was already done (then only the municipality id is looked up).
 */
export async function ensureScoredDatabase(
  opened: OpenedDatabase,
  dir: string,
  profile: string,
): Promise<{ municipalityId: number; reused: boolean }> {
  const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
    "見守町",
  );
  const reused = existsSync(join(dir, "built"));
  if (reused) return { municipalityId, reused };
  const actor = { userId: null, loginName: "bench" };
  await withDataScope({ municipalityId, council: true }, async () => {
    const data = join(dir, "data");
    runSynth({ profile, seed: 1, out: data, asOf: BENCH_AS_OF, names: BUILT_IN_NAME_POOLS });
    await importFiles(opened, await listImportFiles([data]), {
      municipalityId,
      actor,
      asOf: BENCH_AS_OF,
    });
    // As `mimamori run` does (pipeline/run.ts): link and score with the planner statistics
    // refreshed after each stage. Without them the partitioned parents (link_person,
    // score_result, person_search_key) have none — autovacuum never analyzes a partitioned
    // table — and a name search under row security planned a scan of every score_result row
    // (~100 ms a query on city instead of ~7 ms).
    await linkAndScore(opened, { municipalityId, actor });
    await createUserRepository(opened.db).insert({
      municipalityId,
      loginName: BENCH_COORDINATOR,
      displayName: "負荷 試験",
      passwordHash: await hashPassword(BENCH_PASSWORD),
      roles: ["coordinator"],
      council: true,
      mustChangePassword: false,
    });
    writeFileSync(join(dir, "built"), new Date().toISOString());
  });
  return { municipalityId, reused };
}

/** Logs in with the bench password; the session cookie and its CSRF token. */
export async function benchLogin(
  base: string,
  loginName: string,
): Promise<{ cookie: string; csrfToken: string | undefined }> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: base },
    body: JSON.stringify({ loginName, password: BENCH_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${res.status}: ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const body = (await res.json()) as { csrfToken?: string };
  return { cookie, csrfToken: body.csrfToken };
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
