import type { Database } from "../db/database.ts";
import { writeAuditCheckpoint } from "../pipeline/audit-verify.ts";
import type { Logger } from "./logger.ts";

/** Default interval of the server's own audit checkpoints. */
export const AUDIT_CHECKPOINT_INTERVAL_MS = 60 * 60 * 1000;

/**
 * While the server runs: verify the audit chain incrementally and append its
 * tail to a checkpoint file in the home folder, at start and then every
 * `intervalMs`. A broken chain is logged as an error (and no checkpoint is
 * written over it). Copy the file elsewhere (another host, write-once media)
 * for it to be an anchor an intruder on this machine cannot rewrite.
 */
export function startAuditCheckpoints(options: {
  db: Database;
  file: string;
  logger: Logger;
  intervalMs?: number;
  now?: () => Date;
}): { stop(): void; runOnce(): Promise<void> } {
  const now = options.now ?? (() => new Date());
  let running: Promise<void> | undefined;
  const runOnce = () => {
    running ??= (async () => {
      try {
        const { report, written } = await writeAuditCheckpoint(options.db, {
          checkpointsFile: options.file,
          now: now(),
        });
        if (!report.ok) {
          options.logger.error(
            {
              firstBadId: report.chain.firstBadId,
              problem: report.chain.problem,
              checkpoint: report.file?.firstMismatch?.id,
            },
            "audit chain verification failed",
          );
        } else if (written) {
          options.logger.info({ id: written.id }, "audit checkpoint written");
        }
      } catch (e) {
        options.logger.error(
          { err: e instanceof Error ? e.message : String(e) },
          "audit checkpoint failed",
        );
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  void runOnce();
  const timer = setInterval(
    () => void runOnce(),
    options.intervalMs ?? AUDIT_CHECKPOINT_INTERVAL_MS,
  );
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    runOnce,
  };
}
