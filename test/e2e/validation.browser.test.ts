/**
 * 検証 in Chromium against a scored synthetic village: every figure the page
 * shows (2×2 counts, markers, q, rule evaluation, funnel, fairness) equals the
 * CSV files `mimamori stats validate` writes for the same run (the CLI itself
 * is run). A coordinator who is not a 要対協 member gets a report without
 * B01/B02 or the 虐待 抽出群 — in the JSON and in the printable HTML — whose
 * fairness flags equal the dashboard's non-member counts. axe-core finds no
 * serious or critical violation.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statsValidate } from "../../src/cli/commands/stats-validate.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { formatFigure } from "../../src/domain/stats/validation-render.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/index.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { runLinkage } from "../../src/pipeline/linkage.ts";
import { scoreRun } from "../../src/pipeline/score.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import type { DashboardView, ValidationView } from "../../src/server/api-types.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../src/server/bootstrap.ts";
import { type RunningServer, startHttpServer } from "../../src/server/http.ts";
import { createLogger } from "../../src/server/logger.ts";
import { ensureWebBuilt } from "../../src/server/web-build.ts";
import { hasBrowser, launchBrowser, screenshotDir } from "../browser.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const PASSWORD = "coordinator-password-2026";
const AS_OF = "2024-04-01" as IsoDate;
const AXE = join(import.meta.dirname, "..", "..", "node_modules", "axe-core", "axe.min.js");
const DOCS_SHOTS = join(import.meta.dirname, "..", "..", "docs", "screenshots");

async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(AXE, "utf8"));
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(): Promise<{
            violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
          }>;
        };
      }
    ).axe;
    const r = await axe.run();
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      target: v.nodes[0]?.target.join(" "),
    }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}) ${v.target}`);
}

/** A CSV file of the report: header → value per row (BOM and CRLF removed; no quoted commas in the fields read). */
function readCsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, "utf8")
    .replace(/^\uFEFF/, "")
    .trimEnd()
    .split("\r\n");
  const cols = (head ?? "").split(",");
  return lines.map((l) => {
    const cells = l.split(",");
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? ""]));
  });
}
const numOrNull = (s: string | undefined) => (s === undefined || s === "" ? null : Number(s));

/** Logs in through the API (as a script would) and returns a GET with the session cookie. */
async function apiSession(base: string, loginName: string) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: base },
    body: JSON.stringify({ loginName, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return (path: string) => fetch(`${base}${path}`, { headers: { Cookie: cookie } });
}

describe.skipIf(!hasBrowser)("検証 (Chromium)", () => {
  let t: TestDatabase;
  let server: RunningServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), "mimamori-validation-browser-"));
  const out = join(dir, "report");

  beforeAll(async () => {
    await ensureWebBuilt();
    t = await createTestDatabase();
    const data = join(dir, "data");
    runSynth({ profile: "village", seed: 8, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
    const { id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault(
      DEFAULT_MUNICIPALITY_NAME,
    );
    const actor = { userId: null, loginName: "test" };
    for (const path of await listImportFiles([data]))
      await importFile(t, path, { municipalityId, actor, asOf: AS_OF });
    await runLinkage(t, { municipalityId, actor });
    await scoreRun(t, { municipalityId, actor });
    // A second run, so that the funnel has two runs.
    await scoreRun(t, { municipalityId, actor });
    // The CLI's report of the same run is the reference for every number below.
    expect(await statsValidate.run(["--out", out], { databaseUrl: t.url, home: dir })).toBe(0);
    const users = createUserRepository(t.db);
    for (const [loginName, council] of [
      ["coord", true],
      ["coord-nm", false],
    ] as const) {
      await users.insert({
        municipalityId,
        loginName,
        displayName: "総括 管理",
        passwordHash: await hashPassword(PASSWORD),
        roles: ["coordinator"],
        council,
        mustChangePassword: false,
      });
    }
    server = await startHttpServer({
      db: t.db,
      databaseUrl: t.url,
      logger: createLogger("silent"),
      port: 0,
      host: "127.0.0.1",
      enforceSecondFactor: false,
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(server.url);
    await page.getByLabel("ログイン名").fill("coord");
    await page.getByLabel("パスワード").fill(PASSWORD);
    await page.getByRole("button", { name: "ログイン" }).click();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the page's item × type table, rules, funnel and fairness equal stats validate's CSV files", async () => {
    await page.getByRole("link", { name: "検証" }).click();
    await page.getByTestId("validation-rules").waitFor({ timeout: 120_000 });

    const items = readCsv(join(out, "item-validation.csv"));
    expect(items.length).toBeGreaterThan(50);
    const rows = await page.getByTestId("validation-row").evaluateAll((els) =>
      els.map((e) => {
        const cell = (k: string) => e.querySelector(`[data-cell="${k}"]`)?.textContent ?? "";
        const table = e.closest("table")?.getAttribute("data-testid") ?? "";
        return {
          key: `${table.replace("validation-", "")}/${e.getAttribute("data-item")}`,
          a: cell("a"),
          b: cell("b"),
          c: cell("c"),
          d: cell("d"),
          q: cell("q"),
          marker: cell("marker"),
        };
      }),
    );
    expect(rows.length).toBe(items.length);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const fmt = (s: string) => Number(s).toLocaleString("ja-JP");
    for (const x of items) {
      const r = byKey.get(`${x.difficulty}/${x.item_id}`);
      expect(r, `${x.difficulty}/${x.item_id}`).toBeDefined();
      expect([r?.a, r?.b, r?.c, r?.d]).toEqual([
        fmt(x.a ?? ""),
        fmt(x.b ?? ""),
        fmt(x.c ?? ""),
        fmt(x.d ?? ""),
      ]);
      expect(r?.q).toBe(formatFigure(numOrNull(x.q)));
      expect(r?.marker).toBe(x.marker);
    }
    // At least one association, so that ● / ◆ are really compared.
    expect(items.some((x) => x.marker === "●" || x.marker === "◆")).toBe(true);

    // The yearly review against the 2024 pilots: the same rows as yearly-review.csv.
    const review = readCsv(join(out, "yearly-review.csv"));
    expect(review.length).toBeGreaterThan(10);
    const shownReview = await page
      .getByTestId("yearly-review-row")
      .evaluateAll((els) =>
        els.map((e) => `${e.querySelector("th")?.textContent}/${e.getAttribute("data-status")}`),
      );
    expect(shownReview.sort()).toEqual(review.map((x) => `${x.item_id}/${x.status}`).sort());
    expect(review.some((x) => x.status === "holds")).toBe(true);

    const rules = readCsv(join(out, "rule-evaluation.csv"));
    const shownRules = await page.getByTestId("rule-row").evaluateAll((els) =>
      els.map((e) => ({
        d: e.getAttribute("data-difficulty"),
        n: e.querySelector('[data-cell="n"]')?.textContent,
        positives: e.querySelector('[data-cell="positives"]')?.textContent,
        auc: e.querySelector('[data-cell="auc"]')?.textContent,
      })),
    );
    expect(shownRules.map((r) => r.d)).toEqual(rules.map((r) => r.difficulty));
    rules.forEach((r, i) => {
      expect(shownRules[i]?.n).toBe(Number(r.n).toLocaleString("ja-JP"));
      expect(shownRules[i]?.positives).toBe(Number(r.positives).toLocaleString("ja-JP"));
      expect(shownRules[i]?.auc).toBe(formatFigure(numOrNull(r.auc)));
    });

    const funnel = readCsv(join(out, "funnel.csv"));
    const shownFunnel = await page.getByTestId("funnel-row").evaluateAll((els) =>
      els.map((e) => ({
        key: `${e.getAttribute("data-run")}/${e.getAttribute("data-difficulty")}`,
        flagged: e.querySelector('[data-cell="flagged"]')?.textContent,
        listed: e.querySelector('[data-cell="listed"]')?.textContent,
      })),
    );
    expect(shownFunnel.length).toBe(funnel.length);
    expect(new Set(funnel.map((f) => f.run_id)).size).toBe(2);
    for (const f of funnel) {
      const s = shownFunnel.find((x) => x.key === `${f.run_id}/${f.difficulty}`);
      expect(s?.flagged).toBe(Number(f.flagged).toLocaleString("ja-JP"));
      expect(s?.listed).toBe(Number(f.listed).toLocaleString("ja-JP"));
    }

    const fairness = readCsv(join(out, "fairness.csv"));
    const shownFair = await page.getByTestId("fairness-row").evaluateAll((els) =>
      els.map((e) => ({
        key: `${e.getAttribute("data-difficulty")}/${e.getAttribute("data-group")}`,
        ratio: e.querySelector('[data-cell="ratio"]')?.textContent,
        in: e.querySelector('[data-cell="in"]')?.textContent,
      })),
    );
    expect(shownFair.length).toBe(fairness.length);
    for (const f of fairness) {
      const s = shownFair.find((x) => x.key === `${f.difficulty}/${f.group}`);
      expect(s?.ratio).toBe(formatFigure(numOrNull(f.flag_rate_ratio)));
      expect(s?.in).toContain(
        `（${Number(f.group_flagged).toLocaleString("ja-JP")}/${Number(f.group_n).toLocaleString("ja-JP")}）`,
      );
    }
    for (const id of ["chart-q-abuse", "chart-calibration", "chart-funnel", "chart-fairness"])
      await page.getByTestId(id).locator("svg").waitFor();

    const path = join(screenshotDir, "40-validation.png");
    await page.screenshot({ path });
    mkdirSync(DOCS_SHOTS, { recursive: true });
    await copyFile(path, join(DOCS_SHOTS, "40-validation.png"));
    expect(await axeProblems(page)).toEqual([]);
  });

  it("for a coordinator outside 要対協 the report names no B01/B02 and has no 虐待 抽出群, in JSON and HTML", async () => {
    const get = await apiSession(server.url, "coord-nm");
    const res = await get("/api/validation/latest");
    expect(res.status).toBe(200);
    const text = await res.text();
    const v = JSON.parse(text) as ValidationView;
    expect(v.councilHidden).toBe(true);
    expect(text).not.toMatch(/"B0[12]"/);
    expect(v.groups.map((g) => g.difficulty)).not.toContain("abuse");
    expect(v.validation.some((x) => x.difficulty === "abuse")).toBe(false);
    expect(v.items.map((i) => i.id)).not.toContain("B01");
    // The member's report does hold them: the difference is the policy, not the data.
    const member = (await (
      await (
        await apiSession(server.url, "coord")
      )("/api/validation/latest")
    ).json()) as ValidationView;
    expect(member.validation.some((x) => x.itemId === "B01")).toBe(true);
    expect(member.groups.map((g) => g.difficulty)).toContain("abuse");

    // Flags are those of 判定一覧 / the dashboard for a non-member (B01/B02 points removed).
    const dash = (await (await get("/api/runs/latest/dashboard")).json()) as DashboardView;
    for (const type of dash.types) {
      const row = v.fairness.find((f) => f.difficulty === type.id);
      if (!row) continue;
      expect(row.inGroup.count + row.rest.count, type.id).toBe(type.flagged);
      const latest = v.funnel.filter((f) => f.runId === v.run?.id && f.difficulty === type.id);
      expect(latest[0]?.flagged).toBe(type.flagged);
    }

    const html = await (await get(`/api/validation/${v.run?.id}/report.html`)).text();
    expect(html).toContain("<!DOCTYPE html>");
    expect(html).not.toMatch(/>B0[12]</);
    expect(html).not.toContain("要対協に登録されている");
  });
});
