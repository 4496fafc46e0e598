/**
 * Online backup and restore of the embedded PostgreSQL (issue 16), with
 * PostgreSQL's own low-level base-backup API — no dump format of ours:
 * the backup is the cluster's files as copied between `pg_backup_start` and
 * `pg_backup_stop`, the `backup_label` (and `tablespace_map`) the server
 * returns, and the WAL from the start to the stop location. Starting a server
 * on such a copy replays that WAL and gives the database as of the stop
 * (what `pg_basebackup -X stream` produces; the embedded package ships no
 * pg_basebackup). Writes go on while it runs.
 *
 * Layout of a backup directory:
 *   data/                  the cluster, ready to start (backup_label, pg_wal/ with the WAL needed)
 *   server.json            the embedded server's password (mode 0600: the backup holds all data anyway)
 *   mimamori-backup.json   what was backed up, when, LSNs, sizes (for people and for restore's checks)
 * It is written to DIR.partial-PID and renamed to DIR when complete, so an
 * interrupted backup never looks like a backup.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { checkRestored, openBackupSession } from "../db/backup.repository.ts";
import {
  adoptEmbeddedPassword,
  embeddedClusterLocation,
  embeddedMajorVersion,
  embeddedPassword,
  startEmbedded,
} from "../db/embedded.ts";
import { MimamoriError } from "../domain/errors.ts";

export const BACKUP_MANIFEST = "mimamori-backup.json";

const manifestSchema = z.object({
  format: z.literal("mimamori-pg-base-backup"),
  version: z.literal(1),
  label: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  serverVersion: z.string(),
  systemIdentifier: z.string(),
  startLsn: z.string(),
  stopLsn: z.string(),
  walFiles: z.array(z.string()),
  files: z.number().int(),
  bytes: z.number().int(),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export interface BackupOptions {
  /** Connection string of the embedded server (a superuser). */
  readonly url: string;
  /** The home whose server it is (its server.json goes into the backup). */
  readonly home: string;
  /** Directory to create; must not exist yet. */
  readonly out: string;
  readonly now?: () => Date;
}

/** Directories whose contents a base backup leaves out (PostgreSQL docs, low-level backup). */
const EMPTY_DIRS = new Set([
  "pg_wal",
  "pg_replslot",
  "pg_dynshmem",
  "pg_notify",
  "pg_serial",
  "pg_snapshots",
  "pg_stat_tmp",
  "pg_subtrans",
]);
/** Top-level files never copied. */
const SKIP_FILES = new Set([
  "postmaster.pid",
  "postmaster.opts",
  "backup_label",
  "backup_label.old",
  "tablespace_map",
  "recovery.signal",
  "standby.signal",
]);

/** Takes an online base backup of the running embedded server into `out`. */
export async function backupDatabase(options: BackupOptions): Promise<BackupManifest> {
  const now = options.now ?? (() => new Date());
  const out = resolve(options.out);
  if (existsSync(out)) {
    throw new MimamoriError(
      "invalid_input",
      `${out} はすでにあります。バックアップは新しいフォルダに作ります。別の --out を指定してください。`,
    );
  }
  const password = embeddedPassword(options.home);
  const partial = `${out}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  const session = await openBackupSession(options.url);
  try {
    const dataDir = session.dataDirectory;
    if (!sameCluster(dataDir, session.systemIdentifier)) {
      throw new MimamoriError(
        "config",
        "データベースのファイルがこのマシンから読めないため、バックアップできません。DATABASE_URL のサーバーは、そのサーバーの標準の手順（pg_basebackup や WAL アーカイブ）でバックアップしてください（docs/operations.md）。",
      );
    }
    const spaces = readdirSync(join(dataDir, "pg_tblspc"));
    if (spaces.length > 0) {
      throw new MimamoriError(
        "config",
        "テーブル空間（tablespace）を使うデータベースのバックアップには対応していません。PostgreSQL の pg_basebackup を使ってください。",
      );
    }
    const startedAt = now();
    const label = `mimamori ${startedAt.toISOString()}`;
    const startLsn = await session.start(label);
    const data = join(partial, "data");
    const copied = copyCluster(dataDir, data);
    const stop = await session.stop();
    writeFileSync(join(data, "backup_label"), stop.labelFile, { mode: 0o600 });
    if (stop.tablespaceMap.trim() !== "")
      writeFileSync(join(data, "tablespace_map"), stop.tablespaceMap, { mode: 0o600 });

    // The WAL from the start to the stop location (kept by the temporary slot).
    const startWal = /START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)/.exec(stop.labelFile)?.[1];
    if (!startWal)
      throw new MimamoriError("internal", "backup_label に開始位置がありません。", [
        stop.labelFile,
      ]);
    const walDir = join(dataDir, "pg_wal");
    const walFiles = readdirSync(walDir)
      .filter((f) => /^[0-9A-F]{24}$/.test(f) && f >= startWal && f <= stop.stopWalFile)
      .sort();
    if (walFiles[0] !== startWal || walFiles.at(-1) !== stop.stopWalFile) {
      throw new MimamoriError(
        "internal",
        "バックアップに必要な WAL がそろいませんでした。もう一度実行してください。",
        [`必要: ${startWal}〜${stop.stopWalFile}`, `あったもの: ${walFiles.join(", ")}`],
      );
    }
    let walBytes = 0;
    for (const f of [...walFiles, ...readdirSync(walDir).filter((x) => x.endsWith(".history"))]) {
      copyFileSync(join(walDir, f), join(data, "pg_wal", f));
      walBytes += statSync(join(data, "pg_wal", f)).size;
    }
    await session.close();

    if (password !== undefined)
      writeFileSync(join(partial, "server.json"), `${JSON.stringify({ password }, null, 2)}\n`, {
        mode: 0o600,
      });
    const manifest: BackupManifest = {
      format: "mimamori-pg-base-backup",
      version: 1,
      label,
      startedAt: startedAt.toISOString(),
      finishedAt: now().toISOString(),
      serverVersion: session.serverVersion,
      systemIdentifier: session.systemIdentifier,
      startLsn,
      stopLsn: stop.lsn,
      walFiles,
      files: copied.files + walFiles.length,
      bytes: copied.bytes + walBytes,
    };
    writeFileSync(join(partial, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: 0o600,
    });
    // Durable before it is named as a backup.
    spawnSync("sync", [partial]);
    renameSync(partial, out);
    return manifest;
  } catch (e) {
    await session.close();
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}

/** True when `dataDir` holds this server's pg_control (readable here, same system id). */
function sameCluster(dataDir: string, systemIdentifier: string): boolean {
  try {
    const fd = openSync(join(dataDir, "global", "pg_control"), "r");
    try {
      const b = Buffer.alloc(8);
      readSync(fd, b, 0, 8, 0);
      return b.readBigUInt64LE(0).toString() === systemIdentifier;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * Copies a live cluster's files (they may change or vanish while copied: the
 * WAL replayed at restore repairs torn pages; a vanished file was dropped).
 */
function copyCluster(from: string, to: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (src: string, dst: string, top: boolean) => {
    mkdirSync(dst, { recursive: true, mode: 0o700 });
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(src, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith("pgsql_tmp") || name === "pg_internal.init") continue;
      if (top && SKIP_FILES.has(name)) continue;
      const s = join(src, name);
      const d = join(dst, name);
      if (entry.isDirectory()) {
        if (top && EMPTY_DIRS.has(name)) {
          mkdirSync(d, { mode: 0o700 });
          if (name === "pg_wal") mkdirSync(join(d, "archive_status"), { mode: 0o700 });
          continue;
        }
        walk(s, d, false);
      } else if (entry.isFile()) {
        try {
          copyFileSync(s, d);
          bytes += statSync(d).size;
          files++;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        }
      }
    }
  };
  walk(from, to, true);
  return { files, bytes };
}

/** Reads and checks a backup directory's manifest. */
export function readBackupManifest(dir: string): BackupManifest {
  const file = join(dir, BACKUP_MANIFEST);
  if (!existsSync(file)) {
    throw new MimamoriError(
      "invalid_input",
      `${dir} は mimamori のバックアップではありません（${BACKUP_MANIFEST} がありません）。mimamori backup で作ったフォルダを指定してください。`,
    );
  }
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success || !existsSync(join(dir, "data", "backup_label"))) {
    throw new MimamoriError(
      "invalid_input",
      `${dir} のバックアップは壊れているか、このバージョンの mimamori では読めません。`,
    );
  }
  return parsed.data;
}

export interface RestoreResult {
  readonly dataDir: string;
  readonly manifest: BackupManifest;
  readonly tables: number;
}

/**
 * Restores a backup into a fresh home: copies the cluster where the embedded
 * server of that home looks for it, gives the home the cluster's password,
 * starts the server once (PostgreSQL replays the backup's WAL), checks it
 * answers, and stops it.
 */
export async function restoreBackup(options: {
  readonly from: string;
  readonly home: string;
  readonly onLog?: (line: string) => void;
}): Promise<RestoreResult> {
  const from = resolve(options.from);
  const manifest = readBackupManifest(from);
  const major = readFileSync(join(from, "data", "PG_VERSION"), "utf8").trim();
  const shipped = embeddedMajorVersion();
  if (shipped !== undefined && shipped !== major) {
    throw new MimamoriError(
      "config",
      `このバックアップは PostgreSQL ${major} のものですが、内蔵の PostgreSQL は ${shipped} です。同じ版の mimamori で戻してください。`,
    );
  }
  const passwordFile = join(from, "server.json");
  const password = existsSync(passwordFile)
    ? (JSON.parse(readFileSync(passwordFile, "utf8")) as { password?: unknown }).password
    : undefined;
  if (typeof password !== "string") {
    throw new MimamoriError(
      "invalid_input",
      `${from} に server.json（内蔵 PostgreSQL のパスワード）がありません。バックアップのフォルダをそのまま指定してください。`,
    );
  }
  if (existsSync(join(options.home, "server.json"))) {
    throw new MimamoriError(
      "invalid_input",
      `${options.home} はすでに使われているホームです。戻す先には空の（新しい）ホームを --home で指定してください。`,
    );
  }
  const { dataDir, owner } = embeddedClusterLocation(options.home);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new MimamoriError(
      "invalid_input",
      `${dataDir} にすでにデータがあります。戻す先には空の（新しい）ホームを --home で指定してください。`,
    );
  }
  mkdirSync(dirname(dataDir), { recursive: true });
  cpSync(join(from, "data"), dataDir, { recursive: true });
  chmodSync(dataDir, 0o700);
  if (owner) {
    const r = spawnSync("chown", ["-R", `${owner.uid}:${owner.gid}`, dataDir]);
    if (r.status !== 0)
      throw new MimamoriError("config", `${dataDir} の所有者を postgres に変更できませんでした。`);
  }
  adoptEmbeddedPassword(options.home, password);
  const server = await startEmbedded({
    home: options.home,
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  try {
    const check = await checkRestored(server.url);
    if (check.inRecovery) {
      throw new MimamoriError("internal", "戻したデータベースの復旧が終わっていません。");
    }
    return { dataDir, manifest, tables: check.tables };
  } finally {
    await server.stop();
  }
}
