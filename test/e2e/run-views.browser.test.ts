/**
 * ダッシュボード, 判定一覧 and ルール詳細 in Chromium against a scored synthetic
 * village. Every number the pages show is compared with what
 * `mimamori export scores` / `export flags` write for the same run (the CLI
 * itself is run); a combined item condition is typed into the filter and a
 * child opened; axe-core finds no serious or critical violation.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { exportFlags } from "../../src/cli/commands/export-flags.ts";
import { exportScores } from "../../src/cli/commands/export-scores.ts";
import { runLinkage } from "../../src/pipeline/linkage.ts";
import { scoreRun } from "../../src/pipeline/score.ts";
import { axeViolations, hasBrowser, useBrowserFixture } from "../browser.ts";

describe.skipIf(!hasBrowser)("ダッシュボード・判定一覧・ルール詳細 (Chromium)", () => {
  /** From `export scores`: per type, flagged person ids. */
  const flaggedBy = new Map<string, Set<string>>();
  /** From `export flags`: items held per person. */
  const held = new Map<string, Set<string>>();
  const f = useBrowserFixture(
    {
      password: "coordinator-password-2026",
      users: [
        { loginName: "coord", displayName: "総括 管理", roles: ["coordinator"], council: true },
      ],
      async prepare(s) {
        const { t, dir, municipalityId } = s;
        await s.importVillage({ seed: 8, asOf: "2024-04-01", sub: "data" });
        const actor = { userId: null, loginName: "test" };
        await runLinkage(t, { municipalityId, actor });
        await scoreRun(t, { municipalityId, actor });
        // The CLI exports of the same run are the reference for every number below.
        const globals = { databaseUrl: t.url, home: dir };
        const scores = join(dir, "scores.csv");
        const flags = join(dir, "flags.csv");
        expect(await exportScores.run(["--out", scores], globals)).toBe(0);
        expect(await exportFlags.run(["--out", flags], globals)).toBe(0);
        for (const line of readFileSync(scores, "utf8").trimEnd().split("\n").slice(1)) {
          const [person, difficulty, , , flagged] = line.split(",");
          if (!flaggedBy.has(difficulty as string)) flaggedBy.set(difficulty as string, new Set());
          if (flagged === "1") flaggedBy.get(difficulty as string)?.add(person as string);
        }
        for (const line of readFileSync(flags, "utf8").trimEnd().split("\n").slice(1)) {
          const [person, item] = line.split(",");
          held.set(person as string, (held.get(person as string) ?? new Set()).add(item as string));
        }
      },
      loginAs: "coord",
    },
    300_000,
  );
  const shot = (page: Page, name: string) => f.shot(name, { page, fullPage: false, docs: true });

  it("dashboard shows the run's flagged counts per type, equal to export scores", async () => {
    const { page } = f;
    await page.getByRole("link", { name: "ダッシュボード" }).click();
    await page.getByTestId("type-counts").waitFor();
    for (const [type, persons] of flaggedBy) {
      expect(await page.getByTestId(`flagged-${type}`).textContent()).toBe(String(persons.size));
    }
    expect(await page.getByTestId("funnel").textContent()).toContain("未記録");
    await page.getByTestId("chart-trend").locator("svg").waitFor();
    expect(await page.getByTestId("freshness-warning").textContent()).toMatch(/か月より古く/);
    await shot(page, "30-dashboard.png");
    expect(await axeViolations(page)).toEqual([]);
  });

  it("判定一覧 filtered by a combined item condition lists exactly the matching children; a child opens", async () => {
    const { page } = f;
    // A condition with an answer: the most common item among flagged 虐待 children, without the second.
    const abuse = [...(flaggedBy.get("abuse") ?? [])];
    const freq = new Map<string, number>();
    for (const p of abuse) for (const i of held.get(p) ?? []) freq.set(i, (freq.get(i) ?? 0) + 1);
    const [a, b] = [...freq].sort((x, y) => y[1] - x[1]).map(([i]) => i);
    const cond = `${a} AND NOT ${b}`;
    const expected = abuse.filter(
      (p) => held.get(p)?.has(a as string) && !held.get(p)?.has(b as string),
    );
    expect(expected.length).toBeGreaterThan(0);

    const started = Date.now();
    await page.getByRole("link", { name: "判定一覧" }).click();
    await page.getByTestId("results-table").waitFor();
    const interactiveMs = Date.now() - started;
    await page.getByLabel("困難の類型").selectOption("abuse");
    await page.getByLabel("基準以上").selectOption("yes");
    await page.getByLabel("該当項目の条件（AND / OR / NOT）").fill(cond);
    await page.getByRole("button", { name: "絞り込む" }).click();
    await page.waitForURL(/items=/);
    await page
      .getByTestId("list-total")
      .filter({ hasText: `該当 ${expected.length} 人` })
      .waitFor();
    const shown = await page
      .getByTestId("child-link")
      .evaluateAll((els) =>
        els.map((e) =>
          decodeURIComponent((e.getAttribute("href") ?? "").replace("/children/", "")),
        ),
      );
    expect(new Set(shown)).toEqual(
      new Set(expected.slice(0, 50).length === expected.length ? expected : shown),
    );
    for (const p of shown) expect(expected).toContain(p);
    await shot(page, "31-results.png");
    expect(await axeViolations(page)).toEqual([]);
    process.stdout.write(`[run-views] 判定一覧 interactive after ${interactiveMs} ms (village)\n`);

    const first = shown[0] as string;
    await page.getByTestId("child-link").first().click();
    await page.waitForURL(new RegExp(`/children/${first}$`));
  });

  it("判定一覧 is interactive within 1.5 s of navigation (performance mark of the page)", async () => {
    const { page, server } = f;
    const mark = "mimamori:results-interactive";
    // Full page load: the mark's time is counted from navigation start.
    await page.goto(`${server.url}/results?type=abuse&flagged=yes`);
    await page.getByTestId("child-link").first().waitFor();
    const load = await page.evaluate(
      (m) => performance.getEntriesByName(m).at(0)?.startTime ?? Number.NaN,
      mark,
    );
    // Menu click from the dashboard (client-side navigation).
    await page.goto(`${server.url}/dashboard`);
    await page.getByTestId("type-counts").waitFor();
    const t0 = await page.evaluate((m) => {
      performance.clearMarks(m);
      return performance.now();
    }, mark);
    await page.getByRole("link", { name: "判定一覧" }).first().click();
    await page.getByTestId("child-link").first().waitFor();
    await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark);
    const nav =
      (await page.evaluate((m) => performance.getEntriesByName(m).at(0)?.startTime ?? 0, mark)) -
      t0;
    process.stderr.write(
      `判定一覧 interactive: full load ${load.toFixed(0)} ms, menu click ${nav.toFixed(0)} ms\n`,
    );
    expect(load).toBeGreaterThan(0);
    expect(load).toBeLessThan(1500);
    expect(nav).toBeGreaterThan(0);
    expect(nav).toBeLessThan(1500);
  });

  it("ルール詳細's totals equal the list and export flags", async () => {
    const { page, server } = f;
    await page.goto(`${server.url}/results/matrix?type=abuse&flagged=yes`);
    await page.getByTestId("matrix").waitFor();
    const abuse = flaggedBy.get("abuse") ?? new Set<string>();
    expect(await page.getByTestId("matrix-total").textContent()).toContain(`該当 ${abuse.size} 人`);
    const headers = await page.locator("table.matrix thead th abbr").allTextContents();
    const totals = await page.getByTestId("column-total").allTextContents();
    headers.forEach((item, k) => {
      const expected = [...abuse].filter((p) => held.get(p)?.has(item)).length;
      expect(totals[k]).toBe(String(expected));
    });
    await page.goto(`${server.url}/results?type=abuse&flagged=yes`);
    await page
      .getByTestId("list-total")
      .filter({ hasText: `該当 ${abuse.size} 人` })
      .waitFor();
    await page.goto(`${server.url}/results/matrix?type=abuse&flagged=yes`);
    await page.getByTestId("matrix").waitFor();
    await shot(page, "32-rule-matrix.png");
    expect(await axeViolations(page)).toEqual([]);
  });

  it("at 1280×800 the 判定一覧 and ルール詳細 fit the window: wide tables scroll inside their region", async () => {
    const { page, server } = f;
    expect(page.viewportSize()).toEqual({ width: 1280, height: 800 });
    const overflow = () =>
      page.evaluate(() => {
        const d = document.documentElement;
        // Wider than the window: the page itself scrolls sideways (the table is cut off).
        const cut = [...document.querySelectorAll("main *")]
          .filter((e) => !e.closest(".table-scroll, .matrix-scroll"))
          .filter((e) => e.getBoundingClientRect().right > d.clientWidth + 1)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
          .slice(0, 5);
        const chain: string[] = [];
        for (
          let e: Element | null = document.querySelector(".matrix-scroll");
          e;
          e = e.parentElement
        )
          chain.push(
            `${e.tagName}.${e.className}:${Math.round(e.getBoundingClientRect().width)}:${getComputedStyle(e).display}`,
          );
        return { scroll: d.scrollWidth - d.clientWidth, cut, chain };
      });
    for (const path of [
      "/results?type=abuse",
      "/results?type=abuse&households=yes",
      "/results/matrix?type=abuse",
      "/dashboard",
    ]) {
      await page.goto(`${server.url}${path}`);
      await page.locator("main h1").first().waitFor();
      await page.locator("main table").first().waitFor();
      const o = await overflow();
      expect({ path, scroll: o.scroll, cut: o.cut, chain: o.scroll ? o.chain : [] }).toEqual({
        path,
        scroll: 0,
        cut: [],
        chain: [],
      });
    }
    // The list's own region scrolls when its table is wider than the column.
    await page.goto(`${server.url}/results?type=abuse`);
    await page.getByTestId("results-table").waitFor();
    const region = await page.getByTestId("results-table").evaluate((t) => {
      const box = t.closest(".table-scroll") as HTMLElement | null;
      return box ? getComputedStyle(box).overflowX : "none";
    });
    expect(region).toBe("auto");
  });

  it("at 1280×800 the 並べ順 dropdown of 判定一覧 is fully visible: as wide as its longest choice, inside the form, covered by nothing", async () => {
    const { page, server } = f;
    expect(page.viewportSize()).toEqual({ width: 1280, height: 800 });
    await page.goto(`${server.url}/results?type=abuse`);
    await page.getByTestId("results-table").waitFor();
    const select = page.getByLabel("並べ順");
    await select.scrollIntoViewIfNeeded();
    const seen = await select.evaluate((el) => {
      const r = el.getBoundingClientRect();
      // The width the dropdown asks for: a copy laid out with nothing around it.
      const copy = el.cloneNode(true) as HTMLSelectElement;
      copy.style.cssText = "position:absolute;left:0;top:0;width:auto;max-width:none;";
      document.body.append(copy);
      const natural = copy.getBoundingClientRect().width;
      copy.remove();
      // Whatever clips it: the window and every ancestor that hides overflow.
      const clipped: string[] = [];
      if (r.left < 0 || r.right > document.documentElement.clientWidth) clipped.push("window");
      for (let a = el.parentElement; a; a = a.parentElement) {
        const cs = getComputedStyle(a);
        if (cs.overflowX === "visible" && cs.overflowY === "visible") continue;
        const b = a.getBoundingClientRect();
        if (r.left < b.left - 0.5 || r.right > b.right + 0.5)
          clipped.push(`${a.tagName.toLowerCase()}.${a.className}`);
      }
      const form = (el.closest("form") as HTMLElement).getBoundingClientRect();
      // Covered: the topmost element at points along the box must be the dropdown.
      const covered = [0.02, 0.5, 0.98]
        .map((x) => [r.left + r.width * x, r.top + r.height / 2] as const)
        .filter(([x, y]) => document.elementFromPoint(x, y) !== el)
        .map(([x]) => Math.round(x));
      return {
        short: Math.round(natural - r.width) > 0 ? `${r.width} < ${natural}` : "",
        outsideForm: r.left < form.left || r.right > form.right,
        clipped,
        covered,
      };
    });
    expect(seen).toEqual({ short: "", outsideForm: false, clipped: [], covered: [] });
  });

  it("判定一覧's number boxes read full-width digits (１．５) and refuse what is not a number in Japanese, instead of dropping the filter", async () => {
    const { page, server } = f;
    await page.goto(`${server.url}/results?type=abuse`);
    await page.getByTestId("results-table").waitFor();
    await page.getByLabel("点数（下限）").fill("１．５");
    expect(await page.getByLabel("点数（下限）").inputValue()).toBe("1.5");
    await page.getByRole("button", { name: "絞り込む" }).click();
    await page.waitForURL(/scoreMin=1\.5/);
    await page.getByLabel("年齢（上限）").fill("十二");
    await page.getByRole("button", { name: "絞り込む" }).click();
    const alert = page.getByTestId("filter-number-errors");
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      "年齢（上限）は半角の数字で入力してください（「十二」）",
    );
    expect(page.url()).not.toContain("ageMax");
    expect(await page.getByLabel("年齢（上限）").getAttribute("aria-invalid")).toBe("true");
  });

  it("判定一覧 with 点数の下限 above the 上限 says so instead of listing nobody", async () => {
    const { page, server } = f;
    await page.goto(`${server.url}/results?type=abuse&scoreMin=5&scoreMax=2`);
    const alert = page.getByRole("alert").filter({ hasText: "入力内容に誤りがあります" });
    await alert.waitFor();
    const text = (await alert.textContent()) ?? "";
    expect(text).toContain("点数の下限（5）が上限（2）より大きくなっています");
    expect(text).not.toContain("scoreMin");
  });
});
