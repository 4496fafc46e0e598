/**
 * 検証 in Chromium against a scored synthetic village: every figure the page
 * shows (2×2 counts, markers, q, rule evaluation, funnel, fairness) equals the
 * CSV files `mimamori stats validate` writes for the same run (the CLI itself
 * is run). A coordinator who is not a 要対協 member gets a report without
 * B01/B02 or the 虐待 抽出群 — in the JSON and in the printable HTML — whose
 * fairness flags equal the dashboard's non-member counts. axe-core finds no
 * serious or critical violation.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { statsValidate } from "../../src/cli/commands/stats-validate.ts";
import { formatFigure } from "../../src/domain/stats/validation-render.ts";
import { runLinkage } from "../../src/pipeline/linkage.ts";
import { scoreRun } from "../../src/pipeline/score.ts";
import type { DashboardView, ValidationView } from "../../src/server/api-types.ts";
import { axeViolations, hasBrowser, useBrowserFixture } from "../browser.ts";

const PASSWORD = "coordinator-password-2026";

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
  let out = "";
  const fx = useBrowserFixture(
    {
      password: PASSWORD,
      users: [
        { loginName: "coord", displayName: "総括 管理", roles: ["coordinator"], council: true },
        { loginName: "coord-nm", displayName: "総括 管理", roles: ["coordinator"] },
      ],
      async prepare(s) {
        const { t, dir, municipalityId } = s;
        out = join(dir, "report");
        await s.importVillage({ seed: 8, asOf: "2024-04-01", sub: "data" });
        const actor = { userId: null, loginName: "test" };
        await runLinkage(t, { municipalityId, actor });
        await scoreRun(t, { municipalityId, actor });
        // A second run, so that the funnel has two runs.
        await scoreRun(t, { municipalityId, actor });
        // The CLI's report of the same run is the reference for every number below.
        expect(await statsValidate.run(["--out", out], { databaseUrl: t.url, home: dir })).toBe(0);
      },
      loginAs: "coord",
    },
    400_000,
  );

  it("the page's item × type table, rules, funnel and fairness equal stats validate's CSV files", async () => {
    const { page } = fx;
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

    await fx.shot("40-validation.png", { fullPage: false, docs: true });
    expect(await axeViolations(page)).toEqual([]);
  });

  it("for a coordinator outside 要対協 the report names no B01/B02 and has no 虐待 抽出群, in JSON and HTML", async () => {
    const { server } = fx;
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
