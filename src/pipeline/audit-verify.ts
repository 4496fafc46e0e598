/**
 * The audit chain checked against an anchor outside the database (issue 12).
 *
 * The hash chain in `audit_log` shows an edit made behind the triggers' back,
 * but not a truncated tail (the remaining chain is still valid) nor a chain
 * rebuilt by someone who can recompute the hashes (the digest is not secret).
 * Checkpoints — `{id, hash, at}` of the tail at a moment — written to a file
 * the operator keeps elsewhere catch both: a checkpointed row that is gone, or
 * whose hash changed, means the log was cut or rewritten.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import {
  type ChainAnchor,
  type ChainStatus,
  createAuditRepository,
} from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import { MimamoriError } from "../domain/errors.ts";

/** The checkpoint file the server appends to under its home folder. */
export const DEFAULT_CHECKPOINT_FILE = "audit-checkpoints.jsonl";

export const defaultCheckpointFile = (home: string) => join(home, DEFAULT_CHECKPOINT_FILE);

const checkpointLine = z.object({
  id: z.union([z.string().regex(/^\d{1,19}$/), z.number().int().positive()]).transform(String),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.string(),
});

export interface FileCheckpoint extends ChainAnchor {
  at: string;
}

/** Reads a checkpoint file (JSON lines). A malformed line is an error: a damaged anchor cannot be trusted. */
export function readCheckpointFile(path: string): FileCheckpoint[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new MimamoriError(
      "invalid_input",
      `チェックポイントのファイル「${path}」を読めません。場所と権限を確認してください。`,
      [],
      e,
    );
  }
  const out: FileCheckpoint[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line) continue;
    let parsed: z.infer<typeof checkpointLine> | undefined;
    try {
      const r = checkpointLine.safeParse(JSON.parse(line));
      if (r.success) parsed = r.data;
    } catch {
      parsed = undefined;
    }
    if (!parsed) {
      throw new MimamoriError(
        "invalid_input",
        `チェックポイントのファイル「${path}」の ${i + 1} 行目が読めません。ファイルが壊れていないか確認してください。`,
      );
    }
    out.push(parsed);
  }
  return out;
}

/** Appends one checkpoint line and flushes it to disk (owner-only file). */
export function appendCheckpoint(path: string, checkpoint: FileCheckpoint): void {
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openSync(path, "a", 0o600);
    writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
    fsyncSync(fd);
  } catch (e) {
    throw new MimamoriError(
      "invalid_input",
      `チェックポイントのファイル「${path}」に書き込めません。場所と権限を確認してください。`,
      [],
      e,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface AuditVerifyReport {
  ok: boolean;
  chain: ChainStatus;
  /** The external checkpoints checked (absent when no file was given or found). */
  file: {
    path: string;
    checkpoints: number;
    newest: FileCheckpoint | null;
    /** The first checkpoint whose row is gone or has another hash now. */
    firstMismatch: FileCheckpoint | null;
  } | null;
}

/**
 * Verifies the chain (incrementally unless `full`) and, when a checkpoint file
 * is given, that every checkpoint in it still matches the log.
 */
export async function verifyAudit(
  db: Database,
  options: { full?: boolean; checkpointsFile?: string },
): Promise<AuditVerifyReport> {
  const audit = createAuditRepository(db);
  const checkpoints = options.checkpointsFile ? readCheckpointFile(options.checkpointsFile) : null;
  const chain = await audit.verifyChain({ full: options.full ?? false });
  let file: AuditVerifyReport["file"] = null;
  if (checkpoints && options.checkpointsFile) {
    const firstId = await audit.firstMismatchedAnchor(checkpoints);
    const firstMismatch = firstId ? (checkpoints.find((c) => c.id === firstId) ?? null) : null;
    const newest = checkpoints.reduce<FileCheckpoint | null>(
      (a, c) => (a === null || BigInt(c.id) > BigInt(a.id) ? c : a),
      null,
    );
    file = {
      path: options.checkpointsFile,
      checkpoints: checkpoints.length,
      newest,
      firstMismatch,
    };
  }
  return { ok: chain.ok && !file?.firstMismatch, chain, file };
}

/**
 * Verifies the chain incrementally and, when it is intact, appends its tail to
 * the checkpoint file. Returns the report and the checkpoint written (null
 * when the chain is broken or the log is empty).
 */
export async function writeAuditCheckpoint(
  db: Database,
  options: { checkpointsFile: string; now: Date },
): Promise<{ report: AuditVerifyReport; written: FileCheckpoint | null }> {
  const report = await verifyAudit(db, {
    checkpointsFile: existsSync(options.checkpointsFile) ? options.checkpointsFile : undefined,
  });
  const tail = report.chain.tail;
  if (!report.ok || !tail) return { report, written: null };
  if (report.file?.newest?.id === tail.id) return { report, written: null };
  const written = { id: tail.id, hash: tail.hash, at: options.now.toISOString() };
  appendCheckpoint(options.checkpointsFile, written);
  return { report, written };
}

/** The verification result in Japanese, one finding a line (the CLI prints it). */
export function formatAuditVerifyReport(r: AuditVerifyReport): string[] {
  const lines: string[] = [];
  const c = r.chain;
  if (c.ok) {
    lines.push(
      `ハッシュ連鎖: 正常（記録 ${c.rows.toLocaleString("ja-JP")} 件、うち今回計算 ${c.checkedNow.toLocaleString("ja-JP")} 件${c.tail ? `、最新は #${c.tail.id}` : ""}）`,
    );
    lines.push(
      `出力の記録: 正常（出力に含まれたこどもの一覧を今回 ${(c.disclosuresCheckedNow ?? 0).toLocaleString("ja-JP")} 件照合）`,
    );
  } else if (c.problem === "disclosure") {
    lines.push(
      `出力の記録: 異常 — 記録 #${c.firstBadId} の出力に含まれたこどもの一覧（audit_disclosure）が、記録の件数・ハッシュと一致しません（一覧の書き換え、削除、または追加）。`,
    );
  } else if (c.problem === "anchor") {
    lines.push(
      `ハッシュ連鎖: 異常 — 確認済みの記録 #${c.firstBadId} が削除されたか書き換えられています（末尾の切り詰め、または連鎖の作り直し）。`,
    );
  } else {
    lines.push(
      `ハッシュ連鎖: 異常 — 記録 #${c.firstBadId} が書き換えられたか、その直前の記録が削除・挿入されています。`,
    );
  }
  if (r.file) {
    if (r.file.firstMismatch) {
      lines.push(
        `外部チェックポイント（${r.file.path}）: 異常 — ${r.file.firstMismatch.at} に記録した #${r.file.firstMismatch.id} が、データベースにないか別の内容になっています（末尾の切り詰め、削除、または連鎖の作り直し）。`,
      );
    } else {
      lines.push(
        `外部チェックポイント（${r.file.path}）: ${r.file.checkpoints} 件すべて一致${r.file.newest ? `（最新 #${r.file.newest.id}、${r.file.newest.at}）` : ""}`,
      );
    }
  } else {
    lines.push(
      "外部チェックポイント: 指定なし（--checkpoints FILE を指定すると、末尾の切り詰めや連鎖の作り直しも検出できます）",
    );
  }
  lines.push(
    r.ok
      ? "監査ログは改ざんされていません。"
      : "監査ログが改ざんされた可能性があります。データベースの管理者権限を持つ人の操作を確認してください。",
  );
  return lines;
}
