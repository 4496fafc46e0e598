import { join } from "node:path";
import { openDatabase, redactUrl } from "../../db/database.ts";
import { ensureWritableHome } from "../../db/embedded.ts";
import { withDataScope } from "../../db/scope.ts";
import { createUserRepository } from "../../db/user.repository.ts";
import { defaultCheckpointFile } from "../../pipeline/audit-verify.ts";
import { describeDemo, loadDemo } from "../../pipeline/demo.ts";
import { seedDemoWorkflow } from "../../pipeline/demo-workflow.ts";
import type { ImportDatabase } from "../../pipeline/import.ts";
import { startAuditCheckpoints } from "../../server/audit-checkpoints.ts";
import { bootstrap } from "../../server/bootstrap.ts";
import { createDemoAccounts, describeDemoAccounts } from "../../server/demo-accounts.ts";
import { startHttpServer } from "../../server/http.ts";
import { createLogger } from "../../server/logger.ts";
import { startMailSender } from "../../server/mail-sender.ts";
import { findRun } from "../../server/services/run-view.service.ts";
import { ensureWebBuilt, webRoot } from "../../server/web-build.ts";
import { intOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const usage =
  "mimamori serve [--port N] [--host ADDR] [--upload-timeout-minutes N] [--build-web] [--secure-cookies] [--dev] [--demo]";

export const serve: Command = {
  path: ["serve"],
  summary: "Web アプリケーションを起動します（既定 http://localhost:3000）。",
  usage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      {
        port: { type: "string" },
        host: { type: "string" },
        "build-web": { type: "boolean" },
        "secure-cookies": { type: "boolean" },
        dev: { type: "boolean" },
        demo: { type: "boolean" },
        "upload-timeout-minutes": { type: "string" },
      },
      usage,
    );
    const port = intOption(values.port ?? process.env.PORT, "--port", 0, 65535) ?? 3000;
    const host = values.host ?? process.env.MIMAMORI_HOST ?? "127.0.0.1";
    // How long one file upload may take to arrive (docs/operations.md "アップロードの時間制限").
    const uploadMinutes = intOption(
      values["upload-timeout-minutes"] ?? process.env.MIMAMORI_UPLOAD_TIMEOUT_MINUTES,
      "--upload-timeout-minutes",
      1,
      24 * 60,
    );
    // Progress on stderr; what the operator must read (database, credentials,
    // URL) on stdout, in that order.
    const say = (line: string) => process.stderr.write(`${line}\n`);
    const tell = (line: string) => process.stdout.write(`${line}\n`);
    const logger = createLogger();

    // The web bundle is built when missing or older than its sources (a fresh
    // clone has none): the app is served instead of a 503. --dev serves the
    // sources through Vite instead. --build-web is kept for older scripts.
    if (!values.dev) {
      try {
        await ensureWebBuilt(say);
      } catch (e) {
        say(
          `Web 画面をビルドできませんでした（${e instanceof Error ? e.message : String(e)}）。API だけで起動します。npm ci をやり直してから、もう一度起動してください。`,
        );
      }
    }
    if (!globals.databaseUrl) ensureWritableHome(globals.home);
    if (!globals.databaseUrl) say(`内蔵 PostgreSQL を起動しています（データ: ${globals.home}）…`);
    const opened = await openDatabase({
      databaseUrl: globals.databaseUrl,
      home: globals.home,
      onLog: (line) => logger.debug({ postgres: line }),
    });
    let closing = false;
    try {
      const first = await bootstrap(opened.db);
      const demo = values.demo
        ? await withDataScope({ municipalityId: first.municipalityId, council: true }, () =>
            demoOnFirstStart(
              { db: opened.db, url: opened.appUrl },
              globals.home,
              first.municipalityId,
              say,
            ),
          )
        : [];
      const server = await startHttpServer({
        db: opened.db,
        // Request-driven imports and runs open their COPY connections as the app login role.
        databaseUrl: opened.appUrl,
        logger,
        port,
        host,
        secureCookies: values["secure-cookies"] ?? false,
        ...(uploadMinutes !== undefined ? { uploadTimeoutMs: uploadMinutes * 60_000 } : {}),
      });
      tell(
        `データベース: ${opened.embedded ? `内蔵 PostgreSQL（${opened.embedded.dataDir}）` : redactUrl(opened.url)}`,
      );
      for (const line of demo) tell(line);
      // The audit chain's anchor outside the database (docs/security.md).
      const checkpoints = startAuditCheckpoints({
        db: opened.db,
        file: defaultCheckpointFile(globals.home),
        logger,
      });
      // Mail about notifications: reads its settings each pass and connects only
      // when the installation's relay is on (off by default; docs/operations.md).
      const mailSender = startMailSender({ db: opened.db, logger });
      if (first.admin) printAdmin(first.admin.loginName, first.admin.password);
      // --dev (npm run dev): Vite's dev server with hot reload in front, /api proxied here.
      const dev = values.dev ? await startViteDev(server.port) : undefined;
      if (dev) tell(`開発用画面（ホットリロード）: ${dev.url}`);
      tell(`mimamori を起動しました: ${server.url}  （終了は Ctrl+C）`);
      await new Promise<void>((resolve) => {
        const stop = async () => {
          if (closing) return;
          closing = true;
          say("終了しています…");
          checkpoints.stop();
          mailSender.stop();
          await dev?.close();
          await server.close();
          resolve();
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      return 0;
    } finally {
      await opened.close();
    }
  },
};

async function startViteDev(apiPort: number): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import("vite");
  const vite = await createServer({
    configFile: join(webRoot, "vite.config.ts"),
    server: { port: 5173, host: "127.0.0.1", proxy: { "/api": `http://127.0.0.1:${apiPort}` } },
  });
  await vite.listen();
  return {
    url: vite.resolvedUrls?.local[0] ?? "http://127.0.0.1:5173/",
    close: () => vite.close(),
  };
}

/**
 * --demo (npm start): the synthetic demo town, loaded only into a database without any import
 * (src/pipeline/demo.ts). Returns the lines to print; a failure is reported and the server
 * starts without the demo.
 */
async function demoOnFirstStart(
  target: ImportDatabase,
  home: string,
  municipalityId: number,
  say: (line: string) => void,
): Promise<string[]> {
  try {
    const result = await loadDemo(target, { home, municipalityId, progress: say });
    if (result.status !== "loaded") return [];
    // One account per role, only for the demo (issue 11).
    const { accounts } = await createDemoAccounts(target.db, municipalityId);
    const workflow = await demoWorkflow(target, municipalityId, say);
    return [...describeDemo(result), ...workflow, ...describeDemoAccounts(accounts)];
  } catch (e) {
    say(
      `デモ用データを読み込めませんでした（${e instanceof Error ? e.message : String(e)}）。デモなしで起動します。`,
    );
    return [];
  }
}

/**
 * The demo's screening history (候補リスト, conferences, support, follow-ups; issue 13).
 * A failure leaves the demo without it and says so.
 */
async function demoWorkflow(
  target: ImportDatabase,
  municipalityId: number,
  say: (line: string) => void,
): Promise<string[]> {
  try {
    const users = await createUserRepository(target.db).list(municipalityId);
    const coordinator = users.find((u) => u.loginName === "coordinator");
    const staff = users.find((u) => u.loginName === "staff");
    const run = await findRun(target.db, municipalityId, "latest");
    if (!coordinator || !staff || !run) return [];
    const r = await seedDemoWorkflow(target.db, {
      municipalityId,
      runId: run.id,
      coordinatorUserId: coordinator.id,
      staffUserId: staff.id,
      today: new Date(),
    });
    return r.lists === 0
      ? []
      : [
          `  見守りの記録（デモ）: 候補リスト ${r.lists} か月分、会議 ${r.conferences} 回、ケース ${r.cases} 件（支援計画・今週期日の予定を含む）`,
        ];
  } catch (e) {
    say(`デモの見守りの記録を作れませんでした（${e instanceof Error ? e.message : String(e)}）。`);
    return [];
  }
}

/** The first administrator's credentials, printed once on first start. */
function printAdmin(loginName: string, password: string): void {
  const lines = [
    "",
    "┌────────────────────────────────────────────────────────┐",
    "  初回起動: 管理者アカウントを作成しました（この表示は一度だけです）",
    `    ログイン名: ${loginName}`,
    `    仮パスワード: ${password}`,
    "  初回ログイン時にパスワードの変更が必要です。",
    "└────────────────────────────────────────────────────────┘",
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
