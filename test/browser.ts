/**
 * Browser tests drive Debian's Chromium through playwright-core (no browser
 * download). Locally, without /usr/bin/chromium, they are skipped with a
 * visible message; in CI (CI=true) a missing browser fails the run.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { createUserRepository } from "../src/db/user.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFile, listImportFiles } from "../src/pipeline/import.ts";
import { runSynth } from "../src/pipeline/synth.ts";
import { hashPassword } from "../src/server/auth/password.ts";
import { currentTotp } from "../src/server/auth/totp.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../src/server/bootstrap.ts";
import { type RunningServer, startHttpServer } from "../src/server/http.ts";
import { createLogger } from "../src/server/logger.ts";
import { ensureWebBuilt } from "../src/server/web-build.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasBrowser = existsSync(CHROMIUM);

if (!hasBrowser) {
  if (process.env.CI === "true") {
    throw new Error(
      `CI=true ですがブラウザ ${CHROMIUM} がありません（apt-get install chromium）。ブラウザテストを実行できません。`,
    );
  }
  process.stderr.write(
    `\n[mimamori] ブラウザテストをスキップします: ${CHROMIUM} がありません（apt-get install chromium fonts-noto-cjk）。\n\n`,
  );
}

export const screenshotDir = join(import.meta.dirname, "..", "test-output", "screenshots");
/** Screenshots the docs show (docs/operations.md); `shot(…, { docs: true })` copies there. */
export const docsScreenshotDir = join(import.meta.dirname, "..", "docs", "screenshots");

/** A Chromium of its own (a persistent context in a temporary profile). */
export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "mimamori-chromium-"));
  mkdirSync(screenshotDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: "ja-JP",
    viewport: { width: 1280, height: 800 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Generous: a full `npm test` on a busy 2-core machine slows Chromium and argon2 a lot. */
export const UI_TIMEOUT = 90_000;

const TOTP_STEP_MS = 30_000;
/** The last TOTP time step used per secret: the server never accepts a step twice. */
const usedSteps = new Map<string, number>();

/**
 * A TOTP code the server will accept now: the current step, or the next one
 * when the current was already used (the server allows one step of skew);
 * waits for the clock when even that was used.
 */
export async function freshTotp(secret: string): Promise<string> {
  for (;;) {
    const now = Date.now();
    const current = Math.floor(now / TOTP_STEP_MS);
    const step = Math.max(current, (usedSteps.get(secret) ?? -1) + 1);
    if (step <= current + 1) {
      usedSteps.set(secret, step);
      return currentTotp(secret, new Date(step * TOTP_STEP_MS + 1));
    }
    await new Promise((r) => setTimeout(r, (current + 1) * TOTP_STEP_MS - now + 50));
  }
}

/**
 * Enters a TOTP code (enrolment or login) and waits for `next`. A code the
 * server refused (a step boundary crossed under load, a step already used)
 * is retried with a fresh one, up to three times.
 */
export async function submitTotp(
  page: Page,
  secret: string | (() => Promise<string>),
  field: { label: string; exact?: boolean; button: string },
  next: RegExp,
): Promise<void> {
  const heading = page.getByRole("heading", { name: next });
  const refused = page.getByRole("alert").filter({ hasText: "正しくありません" });
  for (let attempt = 1; ; attempt++) {
    const key = typeof secret === "string" ? secret : await secret();
    await page.getByLabel(field.label, { exact: field.exact }).fill(await freshTotp(key));
    // The server's answer decides, not the page: an alert left over from an
    // earlier refused code stays on screen while a slow request is pending, and
    // reading it as this attempt's refusal failed a full run under load.
    const answered = page.waitForResponse(
      (r) =>
        r.request().method() === "POST" &&
        /\/api\/auth\/second-factor(\/enrolment\/confirm)?$/.test(new URL(r.url()).pathname),
      { timeout: UI_TIMEOUT },
    );
    await page.getByRole("button", { name: field.button, exact: true }).click();
    let outcome: "ok" | "refused" | "timeout" = "timeout";
    const res = await answered.catch(() => null);
    if (res?.ok()) {
      outcome = (await heading
        .waitFor({ timeout: UI_TIMEOUT })
        .then(() => true)
        .catch(() => false))
        ? "ok"
        : "timeout";
    } else if (res) {
      outcome = "refused";
      await refused.waitFor({ timeout: UI_TIMEOUT }).catch(() => undefined);
    }
    if (outcome === "ok") return;
    if (outcome === "timeout" || attempt >= 3) {
      const alerts = (await page.getByRole("alert").allTextContents()).join(" / ");
      throw new Error(
        `確認コードの後、${next} の見出しが表示されませんでした（${outcome}: ${alerts}）。`,
      );
    }
  }
}

/** An account to log in with; `totpSecret` after its second factor is enrolled. */
export interface BrowserAccount {
  loginName: string;
  password: string;
  totpSecret?: string;
  /** A new password when the account must change its password at this login. */
  newPassword?: string;
}

/**
 * Logs in through the login page as a user would, through whatever the
 * account needs: a second-factor code, an enrolment (the secret is read from
 * the page and returned, the recovery codes acknowledged), a forced password
 * change. Ends on the home page. The one login helper of the browser tests.
 */
export async function logIn(
  page: Page,
  url: string,
  account: BrowserAccount,
): Promise<{ totpSecret?: string }> {
  let totpSecret = account.totpSecret;
  await page.goto(url);
  await page.getByLabel("ログイン名").fill(account.loginName);
  await page.getByLabel("パスワード").fill(account.password);
  await page.getByRole("button", { name: "ログイン", exact: true }).click();
  const step = page
    .getByRole("heading", {
      name: /^(ホーム|パスワードの変更|二要素認証の登録|確認コードの入力|回復コード)$/,
    })
    .or(page.getByRole("alert"));
  for (let guard = 0; guard < 6; guard++) {
    await step.first().waitFor({ timeout: UI_TIMEOUT });
    const alert = page.getByRole("alert");
    if ((await alert.count()) > 0 && (await page.getByLabel("ログイン名").count()) > 0) {
      throw new Error(`ログインできませんでした: ${await alert.first().textContent()}`);
    }
    const name = (await page.getByRole("heading", { level: 1 }).first().textContent()) ?? "";
    if (name === "ホーム") return { totpSecret };
    if (name === "二要素認証の登録") {
      const secret = page.getByTestId("totp-secret");
      await secret.waitFor({ timeout: UI_TIMEOUT });
      await page.waitForLoadState("networkidle");
      // Read at each attempt: the page shows the secret the server holds.
      const read = async () => {
        totpSecret = (await secret.getAttribute("data-secret")) ?? "";
        return totpSecret;
      };
      await submitTotp(
        page,
        read,
        { label: "認証アプリに表示された 6 桁のコード", button: "登録してログイン" },
        /^回復コード$/,
      );
    } else if (name === "確認コードの入力") {
      if (!totpSecret) throw new Error(`${account.loginName}: 確認コードの秘密鍵がありません。`);
      await submitTotp(
        page,
        totpSecret,
        { label: "確認コード", exact: true, button: "ログイン" },
        /^(ホーム|パスワードの変更)$/,
      );
    } else if (name === "回復コード") {
      await page.getByRole("button", { name: "保管しました。続ける" }).click();
      await page
        .getByRole("heading", { name: /^(ホーム|パスワードの変更)$/ })
        .waitFor({ timeout: UI_TIMEOUT });
    } else if (name === "パスワードの変更") {
      if (!account.newPassword)
        throw new Error(`${account.loginName}: パスワードの変更が必要です（newPassword）。`);
      await page.getByLabel("現在のパスワード").fill(account.password);
      await page.getByLabel("新しいパスワード（12 文字以上）").fill(account.newPassword);
      await page.getByLabel("新しいパスワード（確認）").fill(account.newPassword);
      await page.getByRole("button", { name: "変更する" }).click();
      await page.getByRole("heading", { name: "ホーム" }).waitFor({ timeout: UI_TIMEOUT });
      return { totpSecret };
    }
  }
  throw new Error(`${account.loginName}: ログインの手順が終わりませんでした。`);
}

/**
 * axe-core for a page. The browser fixture adds it as an init script (the
 * app's CSP, script-src 'self', refuses an inline tag); `axeViolations`
 * evaluates it through the DevTools protocol when a page lacks it.
 */
export const AXE_SCRIPT = readFileSync(
  join(import.meta.dirname, "..", "node_modules", "axe-core", "axe.min.js"),
  "utf8",
);

/**
 * Serious or critical axe-core violations of the page as it is now
 * (`id (impact, nodes) first-target`). The one axe helper of the browser tests.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SCRIPT);
  const r = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(): Promise<{
            violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
          }>;
        };
      }
    ).axe;
    return (await axe.run()).violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      n: v.nodes.length,
      target: v.nodes[0]?.target.join(" ") ?? "",
    }));
  });
  return r
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}, ${v.n}) ${v.target}`);
}

/** A user the fixture creates (password: the fixture's unless given). */
export interface FixtureUser {
  loginName: string;
  roles: readonly string[];
  displayName?: string;
  password?: string;
  council?: boolean;
  affiliation?: string | null;
}

/** What a fixture's `prepare` works with, before the server starts. */
export interface FixtureSetup {
  t: TestDatabase;
  municipalityId: number;
  /** A temporary folder of the fixture's own, removed at teardown. */
  dir: string;
  addUser(user: FixtureUser): Promise<void>;
  /** A synthetic village generated into `dir/<sub>` and imported (nothing run). Returns its folder. */
  importVillage(o: {
    seed: number;
    asOf: string;
    sub?: string;
    /** Edits the generated files before the import. */
    edit?: (folder: string) => void;
  }): Promise<string>;
  /** Runs at teardown, after the server and the browsers are closed. */
  onClose(fn: () => void | Promise<void>): void;
}

export interface BrowserFixtureOptions {
  /** The default password of the users. */
  password: string;
  /** The municipality's name (default: the built-in default name). */
  municipality?: string;
  users?: readonly FixtureUser[];
  /** Data and users before the server starts (as the database owner). */
  prepare?: (s: FixtureSetup) => Promise<void>;
  /** Log in on `page` as this user at the end of the set-up. */
  loginAs?: string;
  /** `page.setDefaultTimeout` (default: Playwright's). */
  pageTimeout?: number;
  /**
   * Make admin and 総括管理 enrol a second factor at login, as `serve` does
   * (default off: enrolment is the subject of the tests that turn it on).
   */
  enforceSecondFactor?: boolean;
}

/** One test file's database, server, Chromium and page, with login and teardown. */
export interface BrowserFixture extends FixtureSetup {
  server: RunningServer;
  url: string;
  browser: LaunchedBrowser;
  /** The first page (axe-core added). */
  page: Page;
  /** Logs in on `page` (or `on`) through the login page as a user of the fixture. */
  login(loginName: string, on?: Page): Promise<void>;
  /** Logs out through the header's button and waits for the login page. */
  logout(on?: Page): Promise<void>;
  /** A page in a Chromium of its own (cookies apart), logged in as the user. */
  pageAs(loginName: string): Promise<Page>;
  /** A screenshot into test-output/screenshots (and docs/screenshots with `docs`). */
  shot(name: string, o?: { page?: Page; fullPage?: boolean; docs?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a fixture: the web bundle, a fresh test database with the default
 * municipality, `prepare`, the users, an HTTP server (second factor not
 * enforced unless `enforceSecondFactor`), Chromium and a page. On failure, what was started is closed.
 */
export async function startBrowserFixture(options: BrowserFixtureOptions): Promise<BrowserFixture> {
  const f = {} as BrowserFixture;
  const closers: (() => void | Promise<void>)[] = [];
  const browsers: LaunchedBrowser[] = [];
  const passwords = new Map<string, string>();
  const secrets = new Map<string, string>();
  f.onClose = (fn) => closers.push(fn);
  f.close = async () => {
    for (const b of browsers.splice(0)) await b.close();
    await f.server?.close();
    await f.t?.drop();
    for (const fn of closers.splice(0).reverse()) await fn();
  };
  try {
    await ensureWebBuilt();
    f.dir = mkdtempSync(join(tmpdir(), "mimamori-browser-"));
    f.onClose(() => rmSync(f.dir, { recursive: true, force: true }));
    f.t = await createTestDatabase();
    f.municipalityId = (
      await createMunicipalityRepository(f.t.db).ensureDefault(
        options.municipality ?? DEFAULT_MUNICIPALITY_NAME,
      )
    ).id;
    const users = createUserRepository(f.t.db);
    f.addUser = async (u) => {
      const password = u.password ?? options.password;
      passwords.set(u.loginName, password);
      await users.insert({
        municipalityId: f.municipalityId,
        loginName: u.loginName,
        displayName: u.displayName ?? u.loginName,
        passwordHash: await hashPassword(password),
        roles: [...u.roles],
        mustChangePassword: false,
        council: u.council ?? false,
        affiliation: u.affiliation ?? null,
      });
    };
    f.importVillage = async ({ seed, asOf, sub = "village", edit }) => {
      const folder = join(f.dir, sub);
      runSynth({ profile: "village", seed, out: folder, asOf, names: BUILT_IN_NAME_POOLS });
      edit?.(folder);
      const actor = { userId: null, loginName: "test" };
      for (const path of await listImportFiles([folder]))
        await importFile(f.t, path, {
          municipalityId: f.municipalityId,
          actor,
          asOf: asOf as IsoDate,
        });
      return folder;
    };
    await options.prepare?.(f);
    for (const u of options.users ?? []) await f.addUser(u);
    f.server = await startHttpServer({
      db: f.t.db,
      databaseUrl: f.t.url,
      logger: createLogger("silent"),
      port: 0,
      host: "127.0.0.1",
      enforceSecondFactor: options.enforceSecondFactor ?? false,
    });
    f.url = f.server.url;
    const newPage = async () => {
      const b = await launchBrowser();
      browsers.push(b);
      const page = await b.context.newPage();
      if (options.pageTimeout) page.setDefaultTimeout(options.pageTimeout);
      await page.addInitScript({ content: AXE_SCRIPT });
      return { b, page };
    };
    f.login = async (loginName, on = f.page) => {
      const password = passwords.get(loginName);
      if (!password) throw new Error(`${loginName}: the fixture has no such user`);
      const r = await logIn(on, f.url, {
        loginName,
        password,
        totpSecret: secrets.get(loginName),
      });
      if (r.totpSecret) secrets.set(loginName, r.totpSecret);
    };
    f.logout = async (on = f.page) => {
      await on.getByRole("button", { name: "ログアウト" }).click();
      await on.getByLabel("ログイン名").waitFor();
    };
    f.pageAs = async (loginName) => {
      const { page } = await newPage();
      await f.login(loginName, page);
      return page;
    };
    f.shot = async (name, o = {}) => {
      const path = join(screenshotDir, name);
      await (o.page ?? f.page).screenshot({ path, fullPage: o.fullPage ?? true });
      if (o.docs) {
        mkdirSync(docsScreenshotDir, { recursive: true });
        copyFileSync(path, join(docsScreenshotDir, name));
      }
    };
    ({ b: f.browser, page: f.page } = await newPage());
    if (options.loginAs) await f.login(options.loginAs);
    return f;
  } catch (e) {
    await f.close().catch(() => undefined);
    throw e;
  }
}

/**
 * `startBrowserFixture` in the file's beforeAll and its teardown in afterAll.
 * The returned object is filled in by beforeAll: read its fields in hooks and
 * tests, not at the top level of `describe`.
 */
export function useBrowserFixture(
  options: BrowserFixtureOptions,
  timeout = 600_000,
): BrowserFixture {
  const f = {} as BrowserFixture;
  beforeAll(async () => {
    Object.assign(f, await startBrowserFixture(options));
  }, timeout);
  afterAll(async () => {
    await f.close?.();
  });
  return f;
}
