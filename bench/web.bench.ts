/**
 * The web API under load and 判定一覧 in the browser (issue 11):
 *
 * 1. On a `city` (MIMAMORI_BENCH_WEB_PROFILES, default "city"; "metro" takes
 *    long to build) database — synth, import, link, score into a fresh
 *    embedded PostgreSQL — 50 simulated users (autocannon, 50 connections)
 *    against 127.0.0.1 call, one endpoint at a time for a bounded time:
 *    判定一覧 with a combined filter, こども詳細, 世帯 and 検索, with a
 *    coordinator's session (audited like any request). p95 from every
 *    response time, errors = non-2xx + socket errors + timeouts. Targets:
 *    city p95 < 50 ms, metro p95 < 150 ms, no error.
 * 2. 判定一覧 interactive after navigation, measured in Chromium: time from
 *    navigation start (performance.now() origin) to the first row of the
 *    table in the DOM, on a full page load and on a client-side navigation
 *    from the dashboard. Target < 1.5 s.
 *
 * 3. Issue 13: with about 1,000 open cases seeded (bench/open-cases.ts), 50
 *    users on the home page's API calls (session, 今週の予定 follow-ups,
 *    flagged children, notifications) and on the conference screen's calls
 *    (the agenda of 40 children with evidence, sheets and history; assignees;
 *    the conference list). Target p95 < 100 ms.
 *
 * The server, autocannon and PostgreSQL share the machine (autocannon runs
 * in a child process, bench/load-client.mjs, so it does not share the
 * server's event loop); the load average is recorded with the figures.
 */

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createChildRepository } from "../src/db/child.repository.ts";
import { openDatabase } from "../src/db/database.ts";
import { ACCOUNT_LOOKUP, withDataScope } from "../src/db/scope.ts";
import { createUserRepository } from "../src/db/user.repository.ts";
import { hashPassword } from "../src/server/auth/password.ts";
import { startHttpServer } from "../src/server/http.ts";
import { createLogger } from "../src/server/logger.ts";
import { ensureWebBuilt } from "../src/server/web-build.ts";
import { hasBrowser, launchBrowser } from "../test/browser.ts";
import { seedOpenCases } from "./open-cases.ts";
import { postgresCpuMs } from "./proc-cpu.ts";
import {
  BENCH_AS_OF,
  BENCH_PASSWORD,
  benchLogin,
  ensureScoredDatabase,
} from "./scored-database.ts";

const AS_OF = BENCH_AS_OF;
const PASSWORD = BENCH_PASSWORD;
const CONNECTIONS = 50;
const SECONDS = Number(process.env.MIMAMORI_BENCH_WEB_SECONDS ?? 10);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");

/**
 * Readers the issue-11 calls are measured for (MIMAMORI_BENCH_WEB_READERS,
 * default "coordinator"): `coordinator` (総括管理, 要対協 member: every
 * child), `staff` (支援担当 of the busiest school, not a member: the
 * children of that school; no 判定一覧) and `school` (that school's 所属
 * account: the children of the requests sent to it, child view only).
 */
const READERS = (process.env.MIMAMORI_BENCH_WEB_READERS ?? "coordinator")
  .split(",")
  .filter(Boolean);

/** Only the four issue-11 calls (MIMAMORI_BENCH_WEB_ONLY=issue11): no issue-13 seeding, no browser. */
const ONLY_ISSUE11 = process.env.MIMAMORI_BENCH_WEB_ONLY === "issue11";
/** Only the issue-13 calls (MIMAMORI_BENCH_WEB_ONLY=issue13): no issue-11 calls, no browser. */
const ONLY_ISSUE13 = process.env.MIMAMORI_BENCH_WEB_ONLY === "issue13";
/** MIMAMORI_BENCH_WEB_SPLIT=1: also each call of the home page and the conference screen alone. */
const SPLIT = process.env.MIMAMORI_BENCH_WEB_SPLIT === "1";

/** CPU ms of this process (the HTTP server; autocannon runs in a child). */
const nodeCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function hammer(
  base: string,
  cookie: string,
  paths: readonly string[],
  dataDir?: string,
): Promise<{
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  rps: number;
  /** Server (Node) CPU ms per request. */
  nodeCpu: number;
  /** PostgreSQL backends' CPU ms per request (exited backends are not counted: the pool keeps them). */
  pgCpu: number;
}> {
  const node0 = nodeCpuMs();
  const pg0 = postgresCpuMs(dataDir);
  // autocannon runs in a child process (bench/load-client.mjs) so that the
  // client's work does not share the server's event loop.
  const r = await new Promise<{
    times: number[];
    non2xx: number;
    errors: number;
    timeouts: number;
    rps: number;
  }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "load-client.mjs")], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`load client exited with ${code}`));
      else resolve(JSON.parse(out));
    });
    child.stdin.end(
      JSON.stringify({ base, cookie, paths, connections: CONNECTIONS, seconds: SECONDS }),
    );
  });
  const nodeCpu = nodeCpuMs() - node0;
  const pgCpu = postgresCpuMs(dataDir) - pg0;
  const times = r.times;
  times.sort((a, b) => a - b);
  return {
    nodeCpu: times.length ? nodeCpu / times.length : Number.NaN,
    pgCpu: times.length ? pgCpu / times.length : Number.NaN,
    requests: times.length,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    errors: r.non2xx + r.errors + r.timeouts,
    rps: r.rps,
  };
}

/** The CSRF token of each session (sent on the bench's few POSTs). */
const csrfOf = new Map<string, string>();

async function login(base: string, loginName: string): Promise<string> {
  const { cookie, csrfToken } = await benchLogin(base, loginName);
  if (csrfToken) csrfOf.set(cookie, csrfToken);
  return cookie;
}

interface ListPage {
  rows: {
    personId: string;
    name: string | null;
    birthDate: string | null;
    householdNo: string | null;
  }[];
  total: number;
}

/**
 * The 支援担当 and 所属 readers of the busiest school (created once per
 * database), their sessions and their paths: children, households and names
 * each may see, checked with their own session first so that a refusal is
 * never counted as an error of the load.
 */
async function narrowReaders(
  db: import("../src/db/database.ts").Database,
  municipalityId: number,
  base: string,
  coordCookie: string,
  get: <T>(path: string) => Promise<T>,
): Promise<{
  staff: { cookie: string; calls: [string, string[]][] };
  school: { cookie: string; calls: [string, string[]][] };
}> {
  const school = await withDataScope({ municipalityId, council: true }, async () => {
    const repo = createChildRepository(db);
    const run = await repo.latestRun(municipalityId);
    return run ? repo.busiestSchool(municipalityId, run) : undefined;
  });
  if (!school) throw new Error("no school with flagged children");
  const users = createUserRepository(db);
  for (const [loginName, roles] of [
    ["bench-staff", ["staff"]],
    ["bench-school", ["affiliation"]],
  ] as const) {
    const known = await withDataScope(ACCOUNT_LOOKUP, () => users.findByLogin(loginName));
    if (!known)
      await withDataScope({ municipalityId, council: true }, async () =>
        users.insert({
          municipalityId,
          loginName,
          displayName: "負荷 試験",
          passwordHash: await hashPassword(PASSWORD),
          roles: [...roles],
          council: false,
          affiliation: school,
          mustChangePassword: false,
        }),
      );
  }
  const staffCookie = await login(base, "bench-staff");
  const schoolCookie = await login(base, "bench-school");
  const as = async (cookie: string, path: string) =>
    (await fetch(`${base}${path}`, { headers: { cookie } })).status;
  // The school's flagged children, from the coordinator's 判定一覧 (所属 filter).
  const sample: ListPage["rows"] = [];
  for (const type of ["poverty", "abuse", "developmental", "truancy"]) {
    const page = await get<ListPage>(
      `/api/runs/latest/children?type=${type}&affiliation=${encodeURIComponent(school)}&limit=200`,
    );
    sample.push(...page.rows);
  }
  const people: ListPage["rows"] = [];
  for (const p of new Map(sample.map((r) => [r.personId, r])).values()) {
    if (people.length >= 200) break;
    if ((await as(staffCookie, `/api/children/${encodeURIComponent(p.personId)}`)) === 200)
      people.push(p);
  }
  const households: string[] = [];
  for (const h of new Set(people.map((p) => p.householdNo).filter((x): x is string => !!x)))
    if ((await as(staffCookie, `/api/households/${encodeURIComponent(h)}`)) === 200)
      households.push(h);
  // The 所属 account sees children of requests sent to it: the coordinator sends them once.
  const inbox = async () =>
    (
      await (
        await fetch(`${base}/api/sheets/inbox?limit=200`, { headers: { cookie: schoolCookie } })
      ).json()
    ).requests as { personId: string }[];
  if ((await inbox()).length === 0) {
    const res = await fetch(`${base}/api/sheets/requests/bulk`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Origin: base,
        cookie: coordCookie,
        "X-CSRF-Token": csrfOf.get(coordCookie) ?? "",
      },
      body: JSON.stringify({ recipient: school, recipientKind: "school", mode: "b" }),
    });
    if (res.status !== 201) throw new Error(`requests: ${res.status} ${await res.text()}`);
  }
  const requested = [...new Set((await inbox()).map((r) => r.personId))].slice(0, 200);
  return {
    staff: {
      cookie: staffCookie,
      calls: [
        ["こども詳細", people.map((p) => `/api/children/${encodeURIComponent(p.personId)}`)],
        ["世帯", households.map((h) => `/api/households/${encodeURIComponent(h)}`)],
        [
          "検索 (氏名 / 生年月日)",
          people.flatMap((p) => [
            `/api/search?q=${encodeURIComponent(p.name ?? "")}`,
            `/api/search?q=${encodeURIComponent(p.birthDate ?? "2015-04-01")}`,
          ]),
        ],
      ],
    },
    school: {
      cookie: schoolCookie,
      calls: [["こども詳細", requested.map((p) => `/api/children/${encodeURIComponent(p)}`)]],
    },
  };
}

export default async function bench(): Promise<string> {
  const profiles = (process.env.MIMAMORI_BENCH_WEB_PROFILES ?? "city").split(",").filter(Boolean);
  const out = [
    "## Web API under load and 判定一覧 in the browser",
    "",
    `Per profile: \`synth --seed 1 --as-of ${AS_OF}\` imported, linked and scored into a fresh embedded PostgreSQL (not timed), then \`mimamori\`'s HTTP server in this process on 127.0.0.1 and autocannon (in a child process, so the load generator does not share the server's event loop) with ${CONNECTIONS} connections (${CONNECTIONS} simulated users, each sending its next request when the previous one answers) for ${SECONDS} s per endpoint, with a 要対協 member coordinator's session; every child view and search is audited as in production. The paths rotate over up to 200 children / households / names taken from the run. p95 is computed from every response time; errors are non-2xx answers, socket errors and timeouts. Targets (issue 11): city p95 < 50 ms, metro p95 < 150 ms, no error. metro is not run by default (its database takes several minutes to build here; MIMAMORI_BENCH_WEB_PROFILES=city,metro runs it). The 1-minute load average before each measurement is in the last column: this machine has ${cpus().length} cores, so a load above ${cpus().length} means the figure includes waiting for a core (other processes shared the machine).`,
    "",
    "CPU per request is measured around the loaded run: the server process's own CPU (`process.cpuUsage`, user + system) and the PostgreSQL backends' (the postmaster's children in /proc), each divided by the requests answered. Unlike p95 it hardly depends on what else the shared machine is doing, so it is the figure to compare between versions.",
    "",
    "Readers (MIMAMORI_BENCH_WEB_READERS): `coordinator` is 総括管理 and a 要対協 member (every child); `staff` is a 支援担当 of the school with the most flagged children, not a member (that school's children; no 判定一覧, which is for readers of every child); `school` is that school's 所属 account, after the coordinator sent every flagged child of the school a request (mode b) — child view only. The paths of `staff` and `school` are children, households and names they may see (checked once before the run).",
    "",
    "| profile | reader | call | one user alone, median of 20 | requests under load | req/s | p50 | p95 | p99 | errors | CPU / request: server + PostgreSQL | load avg (1/5/15 min) before |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  const browserLines: string[] = [];
  const caseLines: string[] = [];
  for (const profile of profiles) {
    // MIMAMORI_BENCH_WEB_HOME=DIR keeps the built database in DIR/<profile> and reuses it.
    const keep = process.env.MIMAMORI_BENCH_WEB_HOME;
    const dir = keep
      ? join(keep, profile)
      : mkdtempSync(join(tmpdir(), `mimamori-bench-web-${profile}-`));
    await ensureWebBuilt();
    const opened = await openDatabase({ home: join(dir, "home"), databaseUrl: undefined });
    try {
      const { municipalityId } = await ensureScoredDatabase(opened, dir, profile);
      const server = await startHttpServer({
        db: opened.db,
        databaseUrl: opened.url,
        logger: createLogger("silent"),
        port: 0,
        host: "127.0.0.1",
        enforceSecondFactor: false,
      });
      try {
        const base = server.url.replace(/\/$/, "");
        const coordCookie = await login(base, "bench-coord");
        const cookie = coordCookie;
        const get = async <T>(path: string): Promise<T> => {
          const res = await fetch(`${base}${path}`, { headers: { cookie } });
          if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
          return (await res.json()) as T;
        };
        // Samples from the run: the flagged children of 貧困 and 虐待 (and more, up to 200).
        const sample: ListPage["rows"] = [];
        for (const type of ["poverty", "abuse", "developmental", "truancy"]) {
          const page = await get<ListPage>(`/api/runs/latest/children?type=${type}&limit=200`);
          sample.push(...page.rows);
        }
        const people = [...new Map(sample.map((r) => [r.personId, r])).values()].slice(0, 200);
        const households = [...new Set(people.map((p) => p.householdNo).filter(Boolean))].slice(
          0,
          200,
        );
        const names = people.map((p) => p.name).filter((n): n is string => !!n);
        const list = [
          "/api/runs/latest/children?type=poverty&flagged=yes&items=B17%20AND%20NOT%20B11&limit=50",
          "/api/runs/latest/children?type=abuse&scoreMin=1&ageMax=12&items=(B03%20OR%20B16)%20AND%20NOT%20B17&limit=50",
          "/api/runs/latest/children?type=truancy&flagged=yes&items=B11%20OR%20B12&sort=age&limit=50&offset=50",
        ];
        const calls: [string, string[]][] = [
          ["判定一覧 (combined filter)", list],
          ["こども詳細", people.map((p) => `/api/children/${encodeURIComponent(p.personId)}`)],
          ["世帯", households.map((h) => `/api/households/${encodeURIComponent(h as string)}`)],
          [
            "検索 (氏名 / 生年月日)",
            names.flatMap((n, i) => [
              `/api/search?q=${encodeURIComponent(n)}`,
              `/api/search?q=${encodeURIComponent(people[i]?.birthDate ?? "2015-04-01")}`,
            ]),
          ],
        ];
        const byReader: [string, string, [string, string[]][]][] = [];
        if (READERS.includes("coordinator") && !ONLY_ISSUE13)
          byReader.push(["coordinator", cookie, calls]);
        if (!ONLY_ISSUE13 && (READERS.includes("staff") || READERS.includes("school"))) {
          const narrow = await narrowReaders(opened.db, municipalityId, base, coordCookie, get);
          if (READERS.includes("staff"))
            byReader.push(["staff", narrow.staff.cookie, narrow.staff.calls]);
          if (READERS.includes("school"))
            byReader.push(["school", narrow.school.cookie, narrow.school.calls]);
        }
        for (const [reader, cookie, readerCalls] of byReader)
          for (const [label, paths] of readerCalls) {
            if (paths.length === 0) continue;
            // One warm-up request per path shape, so that first-use work (the run's child index) is not timed.
            await fetch(`${base}${paths[0]}`, { headers: { cookie } });
            // One user alone first: the cost of a request without queueing.
            const alone: number[] = [];
            for (const path of paths.slice(0, 20)) {
              const t0 = performance.now();
              await (await fetch(`${base}${path}`, { headers: { cookie } })).text();
              alone.push(performance.now() - t0);
            }
            alone.sort((a, b) => a - b);
            const before = load();
            const r = await hammer(base, cookie, paths, opened.embedded?.dataDir);
            process.stderr.write(
              `  ${profile} ${reader} ${label}: p95 ${r.p95} ms, errors ${r.errors}, CPU/request server ${r.nodeCpu.toFixed(2)} ms + PostgreSQL ${r.pgCpu.toFixed(2)} ms, load ${before}\n`,
            );
            out.push(
              `| ${profile} | ${reader} | ${label} | ${percentile(alone, 50).toFixed(0)} ms | ${r.requests.toLocaleString("en-US")} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(0)} ms | **${r.p95.toFixed(0)} ms** | ${r.p99.toFixed(0)} ms | ${r.errors} | ${r.nodeCpu.toFixed(2)} + ${r.pgCpu.toFixed(2)} ms | ${before} |`,
            );
          }

        // Issue 13: the home page and the conference screen with ~1,000 open cases.
        const top = await get<{ run: { scoreRunId: number } | null }>("/api/children/top-flagged");
        const me = await withDataScope(ACCOUNT_LOOKUP, () =>
          createUserRepository(opened.db).findByLogin("bench-coord"),
        );
        if (top.run && me && !ONLY_ISSUE11) {
          const t0 = performance.now();
          const seeded = await seedOpenCases(opened.db, {
            municipalityId,
            runId: top.run.scoreRunId,
            userId: me.id,
            loginName: me.loginName,
            target: 1000,
          });
          const seedSeconds = (performance.now() - t0) / 1000;
          const caseCalls: [string, string[]][] = [
            [
              "ホーム (session, follow-ups, flagged children, notifications)",
              [
                "/api/auth/me",
                "/api/follow-ups/mine",
                "/api/children/top-flagged",
                "/api/notifications",
              ],
            ],
            [
              `カンファレンス (agenda of ${seeded.agenda}, assignees, list)`,
              [
                `/api/conferences/${seeded.conferenceId}`,
                "/api/cases/assignees",
                "/api/conferences",
              ],
            ],
            ["カンファレンス: the agenda call alone", [`/api/conferences/${seeded.conferenceId}`]],
          ];
          if (SPLIT)
            for (const [label, paths] of [...caseCalls])
              if (paths.length > 1)
                for (const path of paths)
                  caseCalls.push([`${label.split(" ")[0]}: ${path} alone`, [path]]);
          for (const [label, paths] of caseCalls) {
            for (const path of paths) await get(path);
            const alone: number[] = [];
            for (let i = 0; i < 20; i++) {
              const t = performance.now();
              await (
                await fetch(`${base}${paths[i % paths.length]}`, { headers: { cookie } })
              ).text();
              alone.push(performance.now() - t);
            }
            alone.sort((a, b) => a - b);
            const before = load();
            const r = await hammer(base, cookie, paths, opened.embedded?.dataDir);
            process.stderr.write(
              `  ${profile} ${label}: p95 ${r.p95} ms, ${r.rps.toFixed(0)} req/s, errors ${r.errors}, CPU/request server ${r.nodeCpu.toFixed(2)} ms + PostgreSQL ${r.pgCpu.toFixed(2)} ms, load ${before}\n`,
            );
            caseLines.push(
              `| ${profile} | ${seeded.openCases} | ${label} | ${percentile(alone, 50).toFixed(0)} ms | ${r.requests.toLocaleString("en-US")} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(0)} ms | **${r.p95.toFixed(0)} ms** | ${r.p99.toFixed(0)} ms | ${r.errors} | ${r.nodeCpu.toFixed(2)} + ${r.pgCpu.toFixed(2)} ms | ${before} |`,
            );
          }
          process.stderr.write(
            `  ${profile}: seeded ${seeded.openCases} open cases, ${seeded.followUps} follow-ups in ${seedSeconds.toFixed(0)} s\n`,
          );
        }

        if (hasBrowser && !ONLY_ISSUE11 && !ONLY_ISSUE13) {
          const browser = await launchBrowser();
          try {
            const page = await browser.context.newPage();
            // Records performance.now() when the first row of 判定一覧 enters the DOM
            // (CDP init script: not subject to the page's CSP).
            await page.addInitScript(() => {
              const w = window as unknown as { __firstRow?: number; __mark?: number };
              new MutationObserver(() => {
                if (
                  w.__firstRow === undefined &&
                  document.querySelector('[data-testid="child-link"]')
                )
                  w.__firstRow = performance.now();
              }).observe(document, { childList: true, subtree: true });
            });
            await page.goto(base);
            await page.getByLabel("ログイン名").fill("bench-coord");
            await page.getByLabel("パスワード").fill(PASSWORD);
            await page.getByRole("button", { name: "ログイン" }).click();
            await page.getByRole("link", { name: "判定一覧" }).waitFor();
            const loads: number[] = [];
            for (let i = 0; i < 3; i++) {
              await page.goto(`${base}/results?type=poverty&flagged=yes`);
              await page.getByTestId("child-link").first().waitFor();
              loads.push(
                await page.evaluate(() => (window as unknown as { __firstRow: number }).__firstRow),
              );
            }
            const navs: number[] = [];
            for (let i = 0; i < 3; i++) {
              await page.goto(`${base}/dashboard`);
              await page.getByTestId("type-counts").waitFor();
              await page.evaluate(() => {
                const w = window as unknown as { __firstRow?: number; __mark?: number };
                w.__firstRow = undefined;
                w.__mark = performance.now();
              });
              await page.getByRole("link", { name: "判定一覧" }).first().click();
              await page.getByTestId("child-link").first().waitFor();
              navs.push(
                await page.evaluate(() => {
                  const w = window as unknown as { __firstRow: number; __mark: number };
                  return w.__firstRow - w.__mark;
                }),
              );
            }
            const med = (xs: number[]) =>
              [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
            browserLines.push(
              `| ${profile} | full page load of /results (login done) | ${loads.map((x) => x.toFixed(0)).join(", ")} ms | **${med(loads).toFixed(0)} ms** | ${load()} |`,
              `| ${profile} | menu click ダッシュボード → 判定一覧 | ${navs.map((x) => x.toFixed(0)).join(", ")} ms | **${med(navs).toFixed(0)} ms** | ${load()} |`,
            );
          } finally {
            await browser.close();
          }
        }
      } finally {
        await server.close();
      }
    } finally {
      await opened.close();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    }
  }
  if (caseLines.length) {
    out.push(
      "",
      "### Home page and conference screen with 1,000 open cases (issue 13)",
      "",
      `Same database and server; then \`bench/open-cases.ts\` seeds (through the case repository, like the demo) one case per flagged household up to 1,000 open cases over ten monthly 候補リスト: eight months listed and waiting, last month's 100 decided 要支援 with a follow-up due for the bench user, and this month's 40 on the agenda of a conference that has not met. Then ${CONNECTIONS} users for ${SECONDS} s on each group of calls, the paths rotating: the home page's four API calls, and the conference screen's three (the agenda with every child's evidence, returned sheets and history is the heavy one; also measured alone; MIMAMORI_BENCH_WEB_SPLIT=1 adds each call alone, MIMAMORI_BENCH_WEB_ONLY=issue13 skips the issue 11 calls and the browser). Requests carry \`Accept-Encoding: gzip\` as a browser's do (the agenda is sent compressed; the load client does not inflate it). CPU per request as above. Target (issue 13): p95 < 100 ms.`,
      "",
      "| profile | open cases | calls | one user alone, median of 20 | requests under load | req/s | p50 | p95 | p99 | errors | CPU / request: server + PostgreSQL | load avg (1/5/15 min) before |",
      "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
      ...caseLines,
    );
  }
  if (browserLines.length) {
    out.push(
      "",
      "判定一覧 interactive in Chromium (headless, 1280×800): time from navigation start to the first row of the list in the DOM (a MutationObserver records `performance.now()`), three times each; the first row arrives with the list's data, so the page is usable then. Target (issue 11): < 1.5 s.",
      "",
      "| profile | navigation | runs | median | load avg after |",
      "|---|---|---|---:|---|",
      ...browserLines,
    );
  } else if (ONLY_ISSUE11 || ONLY_ISSUE13) {
    out.push(
      "",
      `判定一覧 in the browser: not measured in this run (MIMAMORI_BENCH_WEB_ONLY=${ONLY_ISSUE11 ? "issue11" : "issue13"}).`,
    );
  } else {
    out.push("", "判定一覧 in the browser: not measured (no Chromium at /usr/bin/chromium).");
  }
  return out.join("\n");
}
