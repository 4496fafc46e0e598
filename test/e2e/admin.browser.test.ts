/**
 * User administration and the audit view in a real browser (issue 16). The
 * administrator (second factor enrolled through the shared login helper)
 * disables a user — whose session ends at once — re-enables them, resets the
 * password (one-time password shown once and usable), changes roles with
 * 要対協 membership and ends sessions, each confirmed first; cancelling
 * changes nothing; locking oneself out is refused in Japanese. Then the audit
 * view: filter by user and action, Japanese names, a row's detail, paging
 * through a child's rows, a date range, and an auditor sees it too.
 */
import { describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { axeViolations, hasBrowser, logIn, UI_TIMEOUT, useBrowserFixture } from "../browser.ts";

const ADMIN_PASSWORD = "kanri-password-2026";
const STAFF_PASSWORD = "sato-password-2026";
const AUDITOR_PASSWORD = "kansa-password-2026";

describe.skipIf(!hasBrowser)("利用者管理と監査ログ (Chromium)", () => {
  let staffId: number;
  let adminId: number;
  const f = useBrowserFixture(
    {
      password: ADMIN_PASSWORD,
      municipality: "テスト町",
      // The administrator enrols a second factor at login, as on a real server.
      enforceSecondFactor: true,
      async prepare(s) {
        const users = createUserRepository(s.t.db);
        await s.addUser({ loginName: "kanri", displayName: "管理 花子", roles: ["admin"] });
        await s.addUser({
          loginName: "sato",
          displayName: "佐藤 一郎",
          roles: ["staff"],
          password: STAFF_PASSWORD,
        });
        await s.addUser({
          loginName: "kansa",
          displayName: "監査 次郎",
          roles: ["auditor"],
          password: AUDITOR_PASSWORD,
        });
        await s.addUser({ loginName: "tanto", displayName: "住民課 担当", roles: ["data_owner"] });
        adminId = (await users.findByLogin("kanri"))?.id as number;
        staffId = (await users.findByLogin("sato"))?.id as number;
        // 60 views of one child: more than one page of the audit view.
        const audit = createAuditRepository(s.t.db);
        for (let i = 0; i < 60; i++) {
          await audit.append({
            municipalityId: s.municipalityId,
            actorUserId: staffId,
            actor: "sato",
            action: "child.view",
            target: "person:P00000007",
            personId: "P00000007",
            detail: { view: i },
          });
        }
      },
      pageTimeout: Number(process.env.UI_DEBUG_TIMEOUT ?? UI_TIMEOUT),
    },
    180_000,
  );

  /** A login of the staff member over HTTP, as their own browser would (own cookies). */
  async function staffSession(password = STAFF_PASSWORD) {
    const origin = f.url.replace(/\/$/, "");
    const login = await fetch(`${origin}/api/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: origin },
      body: JSON.stringify({ loginName: "sato", password }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const body = (await login.json()) as { user?: { mustChangePassword: boolean } };
    return {
      status: login.status,
      mustChangePassword: body.user?.mustChangePassword,
      me: async () =>
        (await fetch(`${origin}/api/auth/me`, { headers: { Cookie: cookie, Origin: origin } }))
          .status,
    };
  }

  const shot = (name: string) => f.shot(`${name}.png`);
  const panel = () => f.page.getByRole("region", { name: /の管理$/ });
  const row = (loginName: string) => f.page.getByRole("row").filter({ hasText: loginName });
  const confirmDialog = () => f.page.getByRole("alertdialog");

  async function act(button: string, expectTitle: RegExp) {
    await panel().getByRole("button", { name: button }).click();
    await confirmDialog().getByText(expectTitle).waitFor();
    await confirmDialog().getByRole("button", { name: "実行する" }).click();
  }

  it("disables, re-enables, resets the password, changes roles and ends sessions, each confirmed", async () => {
    const { page } = f;
    // The administrator must enrol a second factor: the shared helper does it.
    const login = await logIn(f.page, f.url, { loginName: "kanri", password: ADMIN_PASSWORD });
    expect(login.totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    const staff = await staffSession();
    expect(staff.status).toBe(200);
    expect(await staff.me()).toBe(200);

    await page.getByRole("link", { name: "利用者管理" }).click();
    await page.getByRole("heading", { name: "利用者管理", level: 1 }).waitFor();
    await page.getByRole("button", { name: "sato を管理" }).click();
    await panel().getByRole("heading", { name: "佐藤 一郎（sato）の管理" }).waitFor();

    // Cancelling changes nothing.
    await panel().getByRole("button", { name: "無効にする" }).click();
    await confirmDialog().getByText("佐藤 一郎（sato）を無効にしますか？").waitFor();
    expect(await confirmDialog().textContent()).toContain("すぐにログイン中のセッションが終了");
    await shot("50-user-disable-confirm");
    await confirmDialog().getByRole("button", { name: "やめる" }).click();
    expect(await confirmDialog().count()).toBe(0);
    expect(await row("sato").textContent()).toContain("利用中");
    expect(await staff.me()).toBe(200);

    await act("無効にする", /を無効にしますか/);
    await panel()
      .getByRole("status")
      .getByText(/無効にしました/)
      .waitFor();
    await row("sato").getByText("停止中").waitFor();
    expect(await staff.me()).toBe(401);
    expect((await staffSession()).status).not.toBe(200);

    await act("有効に戻す", /を有効に戻しますか/);
    await panel()
      .getByRole("status")
      .getByText(/有効に戻しました/)
      .waitFor();
    await row("sato").getByText("利用中").waitFor();
    expect((await staffSession()).status).toBe(200);

    await act("パスワードを再設定", /パスワードを再設定しますか/);
    const oneTime = panel().getByTestId("one-time-password");
    await oneTime.waitFor();
    const temporary = (await oneTime.textContent()) ?? "";
    expect(temporary).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(await panel().getByRole("status").textContent()).toContain("一度だけ表示されます");
    await shot("51-user-password-reset");
    expect((await staffSession()).status).not.toBe(200);
    const fresh = await staffSession(temporary);
    expect(fresh.status).toBe(200);
    expect(fresh.mustChangePassword).toBe(true);
    // Shown once: another action (or a reload) and it is gone.
    await row("sato").getByText("初回パスワード変更待ち").waitFor();

    const roles = panel().getByRole("group", { name: "役割" });
    await roles.getByLabel("分析担当（仮名化データのみ）").check();
    await panel()
      .getByLabel(/要対協構成員/)
      .check();
    await panel().getByRole("button", { name: "役割を変更する" }).click();
    await confirmDialog()
      .getByText(/役割: 支援担当、分析担当（仮名化データのみ）／要対協構成員: はい/)
      .waitFor();
    await confirmDialog().getByRole("button", { name: "実行する" }).click();
    await panel()
      .getByRole("status")
      .getByText(/役割を変更しました/)
      .waitFor();
    expect(await oneTime.count()).toBe(0);
    await row("sato").getByText("支援担当、分析担当（仮名化データのみ）").waitFor();
    expect(await fresh.me()).toBe(401);
    const u = await createUserRepository(f.t.db).findById(staffId);
    expect(u?.roles).toEqual(["staff", "analyst"]);
    expect(u?.council).toBe(true);

    const again = await staffSession(temporary);
    expect(await again.me()).toBe(200);
    await act("セッションを終了", /セッションを終了しますか/);
    await panel()
      .getByRole("status")
      .getByText(/セッションを 1 件終了しました/)
      .waitFor();
    expect(await again.me()).toBe(401);
    await shot("52-user-admin-done");
  }, 240_000);

  it("adds a school account with its 所属 and a council member from the add form", async () => {
    const { page } = f;
    const form = page.getByRole("form", { name: "利用者の追加" });
    await form.getByLabel("ログイン名（半角英数字）").fill("school1");
    await form.getByLabel("表示名").fill("第一小 担任");
    await form.getByRole("group", { name: "役割" }).getByLabel(/^所属/).check();
    await form.getByRole("button", { name: "追加する" }).click();
    // Without a 所属 name the server refuses in Japanese and stores nothing.
    await page
      .getByRole("alert")
      .getByText(/所属名（学校名・施設名）を入力してください/)
      .waitFor();
    await form.getByRole("textbox", { name: /^所属（学校/ }).fill("第一小学校");
    await form.getByRole("button", { name: "追加する" }).click();
    await page
      .getByRole("status")
      .getByText(/第一小 担任（school1）を追加しました/)
      .waitFor();
    await form.getByLabel("ログイン名（半角英数字）").fill("kyogikai1");
    await form.getByLabel("表示名").fill("要対協 委員");
    await form.getByRole("group", { name: "役割" }).getByLabel("支援担当").check();
    await form.getByLabel(/要対協構成員/).check();
    await form.getByRole("button", { name: "追加する" }).click();
    await page
      .getByRole("status")
      .getByText(/要対協 委員（kyogikai1）を追加しました/)
      .waitFor();
    const all = await createUserRepository(f.t.db).list(
      (await createMunicipalityRepository(f.t.db).ensureDefault("テスト町")).id,
    );
    const school = all.find((u) => u.loginName === "school1");
    expect(school?.affiliation).toBe("第一小学校");
    expect(school?.council).toBe(false);
    const member = all.find((u) => u.loginName === "kyogikai1");
    expect(member?.council).toBe(true);
    expect(member?.affiliation).toBeNull();
  }, 120_000);

  it("refuses to lock oneself out, in Japanese, and changes nothing", async () => {
    const { page } = f;
    await page.getByRole("button", { name: "kanri を管理" }).click();
    await panel().getByRole("heading", { name: "管理 花子（kanri）の管理" }).waitFor();
    await act("無効にする", /を無効にしますか/);
    await panel()
      .getByRole("alert")
      .getByText(/自分自身のアカウントは無効にできません/)
      .waitFor();
    expect((await createUserRepository(f.t.db).findById(adminId))?.disabled).toBe(false);
  }, 240_000);

  it("shows the audit log filtered by user and action with Japanese names, and a row's detail", async () => {
    const { page } = f;
    await page.getByRole("link", { name: "監査ログ" }).click();
    await page.getByRole("heading", { name: "監査ログ", level: 1 }).waitFor();
    await page
      .getByRole("status")
      .getByText(/改ざん検証: 全 \d+ 件/)
      .waitFor();
    await page.getByLabel("操作した利用者").selectOption({ label: "管理 花子（kanri）" });
    await page.locator('select[name="action"]').selectOption({ label: "利用者の無効化" });
    await page.getByRole("button", { name: "絞り込む" }).click();
    await page.getByRole("table").getByText("（絞り込み中）").waitFor();
    const rows = page.getByRole("table").getByRole("row");
    // Header + the one disable of sato (the refused self-disable wrote nothing).
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toContain("利用者の無効化");
    // 対象 in words, not the stored user:N.
    expect(await rows.nth(1).textContent()).toContain("利用者 佐藤 一郎（sato）");
    expect(await rows.nth(1).textContent()).not.toContain(`user:${staffId}`);
    expect(page.url()).toMatch(/action=user\.disable/);
    await rows
      .nth(1)
      .getByRole("button", { name: /の詳細$/ })
      .click();
    const detail = page.getByRole("region", { name: /記録 \d+ の詳細/ });
    await detail.getByText("利用者の無効化", { exact: true }).waitFor();
    expect(await detail.textContent()).toContain("利用者 佐藤 一郎（sato）");
    expect(await detail.textContent()).not.toContain("user.disable");
    await shot("53-audit-detail");

    // A record's detail in words, not the stored JSON (the newcomer's walk): 役割の変更's
    // before and after under Japanese names, the roles by their names; the JSON on request.
    await page.locator('select[name="action"]').selectOption({ label: "役割の変更" });
    await page.getByRole("button", { name: "絞り込む" }).click();
    await page.getByRole("table").getByRole("row").nth(1).getByText("役割の変更").waitFor();
    await page
      .getByRole("table")
      .getByRole("row")
      .nth(1)
      .getByRole("button", { name: /の詳細$/ })
      .click();
    await detail.getByText("役割の変更", { exact: true }).waitFor();
    const fields = detail.getByTestId("audit-detail-fields");
    const text = await fields.innerText();
    for (const words of [
      "変更前",
      "変更後",
      "役割",
      "支援担当、分析担当（仮名化データのみ）",
      "要対協構成員",
    ])
      expect(text).toContain(words);
    expect(text).not.toMatch(/before|after|roles|analyst|council|true|false|[{}"]/);
    expect(await detail.getByTestId("audit-detail-json").isVisible()).toBe(false);
    await detail.getByText("記録のまま（JSON）を見る").click();
    expect(await detail.getByTestId("audit-detail-json").textContent()).toContain('"analyst"');
    expect(await axeViolations(page)).toEqual([]);

    // Every action in the filter has its Japanese name.
    const labels = await page.locator('select[name="action"]').locator("option").allTextContents();
    expect(labels.length).toBeGreaterThan(40);
    for (const l of labels) expect(l).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
  }, 240_000);

  it("pages through a child's rows and filters by period", async () => {
    const { page } = f;
    await page.getByRole("button", { name: "条件をクリア" }).click();
    await page.getByLabel(/対象のこども/).fill("P00000007");
    await page.getByRole("button", { name: "絞り込む" }).click();
    await page.getByRole("table").getByText("最新の50 件（絞り込み中）").waitFor();
    // A child is its number (no name for システム管理者, and none stored here).
    expect(await page.getByRole("table").locator("tbody tr").first().textContent()).toContain(
      "こども P00000007",
    );
    const ids = async () =>
      (await page.getByRole("table").locator("tbody tr td:first-child").allTextContents()).map(
        Number,
      );
    const first = await ids();
    expect(first).toHaveLength(50);
    await page.getByRole("button", { name: "さらに古い記録" }).click();
    await page
      .getByRole("table")
      .getByText(/より前の10 件/)
      .waitFor();
    const second = await ids();
    expect(second).toHaveLength(10);
    expect(Math.max(...second)).toBeLessThan(Math.min(...first));
    expect(await page.getByRole("button", { name: "さらに古い記録" }).count()).toBe(0);
    await page.getByRole("button", { name: "最新に戻る" }).click();
    await page.getByRole("table").getByText("最新の50 件（絞り込み中）").waitFor();

    const tomorrow = new Date(Date.now() + 9 * 3_600_000 + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel("期間の開始日").fill(tomorrow);
    await page.getByRole("button", { name: "絞り込む" }).click();
    await page.getByText("条件に合う記録はありません。").waitFor();
    await shot("54-audit-empty");
  }, 240_000);

  it("narrows a データ提供 account to its own department's sources, confirmed", async () => {
    const { page } = f;
    await page.getByRole("link", { name: "利用者管理" }).click();
    await page.getByRole("heading", { name: "利用者管理", level: 1 }).waitFor();
    await page.getByRole("button", { name: "tanto を管理" }).click();
    await panel().getByRole("heading", { name: "住民課 担当（tanto）の管理" }).waitFor();
    await panel()
      .getByText(/取り込めるデータ: すべて（未設定）/)
      .waitFor();
    const form = panel().getByRole("form", { name: "取り込めるデータ（データ提供）" });
    await form.getByLabel("選んだデータだけ").check();
    await form.getByRole("button", { name: "取り込めるデータを変更する" }).click();
    await panel()
      .getByRole("alert")
      .getByText(/1 つ以上選ぶ/)
      .waitFor();
    await form
      .getByRole("group", { name: "データの種類" })
      .getByLabel("住民基本台帳", { exact: true })
      .check();
    await form.getByRole("button", { name: "取り込めるデータを変更する" }).click();
    await confirmDialog()
      .getByText(/取り込めるデータ: 住民基本台帳。/)
      .waitFor();
    await confirmDialog().getByRole("button", { name: "実行する" }).click();
    await panel()
      .getByRole("status")
      .getByText(/取り込めるデータを変更しました/)
      .waitFor();
    const u = await createUserRepository(f.t.db).findByLogin("tanto");
    expect(u?.importSources).toEqual(["jumin"]);
  }, 240_000);

  it("lets an auditor read the audit log but not manage users", async () => {
    const { page } = f;
    await page.getByRole("button", { name: "ログアウト" }).click();
    await page.getByRole("button", { name: "ログイン" }).waitFor();
    await logIn(f.page, f.url, { loginName: "kansa", password: AUDITOR_PASSWORD });
    const nav =
      (await page.getByRole("navigation", { name: "メインメニュー" }).textContent()) ?? "";
    expect(nav).toContain("監査ログ");
    expect(nav).not.toContain("利用者管理");
    await page.getByRole("link", { name: "監査ログ" }).click();
    await page.getByRole("table").getByText("最新の50 件").waitFor();
    expect(await page.getByRole("table").textContent()).toContain("監査ログの閲覧");
  }, 240_000);
});
