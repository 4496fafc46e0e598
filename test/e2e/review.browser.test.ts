/**
 * 名寄せの確認 in a real browser: a synthetic village is imported and linked,
 * a staff member opens the review queue, sees both records and the weights,
 * and decides one pair; the decision is stored and audited.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { createLinkageRepository } from "../../src/db/linkage.repository.ts";
import { JAPANESE_SETTINGS } from "../../src/domain/linkage/japanese-settings.ts";
import { runLinkage } from "../../src/pipeline/linkage.ts";
import { hasBrowser, screenshotDir, useBrowserFixture } from "../browser.ts";
import { perturb } from "../synth-edit.ts";

const PASSWORD = "staff-member-password-2026";
/**
 * The built-in settings without the complement pass (engine.ts complementEdges): each
 * perturbed 健診 row is its child's only one, so the pass would link most of them unasked,
 * and this test is about the pairs a reviewer is asked (as in linkage-months.test.ts).
 */
const ASKING = {
  ...JAPANESE_SETTINGS,
  thresholds: { ...JAPANESE_SETTINGS.thresholds, complement: undefined },
};

describe.skipIf(!hasBrowser)("名寄せの確認 (Chromium)", () => {
  const f = useBrowserFixture(
    {
      password: PASSWORD,
      municipality: "テスト村",
      users: [{ loginName: "staff", displayName: "支援 担当", roles: ["coordinator"] }],
      async prepare(s) {
        await s.importVillage({
          seed: 11,
          asOf: "2025-04-01",
          // The village links almost by itself (its uncertain pairs are twins, never asked).
          edit: (folder) => perturb(join(folder, "gakko_kenshin.csv")),
        });
        await runLinkage(s.t, {
          municipalityId: s.municipalityId,
          actor: { userId: null, loginName: "test" },
          settings: ASKING,
        });
      },
    },
    180_000,
  );

  it("shows the pairs with both records and records a decision", async () => {
    const { page, t, municipalityId } = f;
    await f.login("staff");
    await page.getByRole("link", { name: "名寄せの確認" }).click();
    await page.getByRole("heading", { name: "名寄せの確認" }).waitFor();
    await page.getByText(/確認対象: \d+ 組/).waitFor();
    const status = (await page.getByRole("status").first().textContent()) ?? "";
    const count = Number(status.match(/確認対象: (\d+) 組/)?.[1] ?? -1);
    expect(count).toBeGreaterThan(0);
    const first = page.getByTestId("review-pair").first();
    expect(await first.textContent()).toMatch(/記録 A[\s\S]*記録 B/);
    expect(await first.textContent()).toContain("同一人物である確率");
    await page.screenshot({ path: join(screenshotDir, "20-linkage-review.png"), fullPage: false });

    await first.getByRole("button", { name: "別人" }).click();
    await page
      .getByText(/判断済み: 別人/)
      .first()
      .waitFor();
    const decisions = await createLinkageRepository(t.db).listDecisions(municipalityId);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.same).toBe(false);
    const audit = await createAuditRepository(t.db).list({
      municipalityId,
      limit: 5,
      action: "linkage.decision",
    });
    expect(audit).toHaveLength(1);
  });

  it("pages the queue over the API, reports progress, and undoes the decision", async () => {
    const { page, t, municipalityId } = f;
    const get = (path: string) =>
      page.evaluate(async (p) => {
        const r = await fetch(p);
        return { status: r.status, body: await r.json() };
      }, path);
    const all = await get("/api/linkage/queue?status=all&limit=200");
    expect(all.status).toBe(200);
    const total = all.body.items.length as number;
    expect(total).toBeGreaterThan(1);
    // Keyset pages of one item give the same items in the same order.
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const r = await get(`/api/linkage/queue?status=all&limit=1${after ? `&after=${after}` : ""}`);
      seen.push(...r.body.items.map((i: { left: { key: string } }) => i.left.key));
      after = r.body.next;
    } while (after);
    expect(seen).toEqual(all.body.items.map((i: { left: { key: string } }) => i.left.key));
    const pending = await get("/api/linkage/queue?limit=200");
    expect(pending.body.items.length).toBe(total - 1);
    const band = await get("/api/linkage/queue?status=all&minProbability=0.99&maxProbability=1");
    for (const i of band.body.items) expect(i.probability).toBeGreaterThanOrEqual(0.99);
    const progress = await get("/api/linkage/progress");
    expect(progress.body.runs[0]).toMatchObject({ items: total, decided: 1, different: 1 });
    const decided = all.body.items.find((i: { decision: unknown }) => i.decision !== null);
    const undo = await page.evaluate(async (id) => {
      const me = await (await fetch("/api/auth/me")).json();
      const r = await fetch(`/api/linkage/decisions/${id}/undo`, {
        method: "POST",
        headers: { "x-csrf-token": me.csrfToken },
      });
      return r.status;
    }, decided?.decision?.id ?? 0);
    expect(undo).toBe(200);
    expect(await createLinkageRepository(t.db).listDecisions(municipalityId)).toHaveLength(0);
    expect((await createLinkageRepository(t.db).listDecisionTrail(municipalityId)).length).toBe(2);
  });
  it("filters the queue on the page and undoes a decision from it", async () => {
    const { page, t, server, municipalityId } = f;
    await page.goto(`${server.url}/linkage/reviews`);
    await page.getByText(/確認対象: \d+ 組/).waitFor();
    const pending = await page.getByTestId("review-pair").count();
    expect(pending).toBeGreaterThan(1);
    // Decide one, then look at the decided ones only.
    await page.getByTestId("review-pair").first().getByRole("button", { name: "同一人物" }).click();
    await page.getByText(/判断済み: 同一人物 を記録しました/).waitFor();
    await expect.poll(() => page.getByTestId("review-pair").count()).toBe(pending - 1);
    const form = page.getByRole("form", { name: "確認対象の絞り込み" });
    await form.getByLabel("状態").selectOption("decided");
    await form.getByRole("button", { name: "絞り込む" }).click();
    await expect.poll(() => page.getByTestId("review-pair").count()).toBe(1);
    await page.screenshot({ path: join(screenshotDir, "21-linkage-review-decided.png") });
    // A probability band with no items says so.
    await form.getByLabel("同一人物である確率").selectOption("below");
    await form.getByLabel("状態").selectOption("all");
    await form.getByRole("button", { name: "絞り込む" }).click();
    const below = await page.evaluate(async () => {
      const r = await fetch("/api/linkage/queue?status=all&minProbability=0&maxProbability=0.5");
      return ((await r.json()) as { items: unknown[] }).items.length;
    });
    await expect.poll(() => page.getByTestId("review-pair").count()).toBe(below);
    // Back to the decided item: undo it on the page.
    await form.getByLabel("同一人物である確率").selectOption("all");
    await form.getByLabel("状態").selectOption("decided");
    await form.getByRole("button", { name: "絞り込む" }).click();
    await page.getByRole("button", { name: "判断を取り消す" }).click();
    await page.getByText(/判断を取り消しました/).waitFor();
    await page.getByText("この条件に当てはまる組はありません。").waitFor();
    expect(await createLinkageRepository(t.db).listDecisions(municipalityId)).toHaveLength(0);
  });
});
