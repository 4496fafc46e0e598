/**
 * Output files are never half-written (spec/cli.md): text goes to a temporary
 * name beside the target and is renamed into place, so a reader sees the old
 * file or the whole new one.
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { MimamoriError } from "../domain/errors.ts";

/** Writes text under a temporary name beside `path`, then renames it into place. */
export function writeFileAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, "utf8");
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new MimamoriError(
      "invalid_input",
      `出力ファイル「${path}」を書けません。フォルダと権限を確認してください。`,
      [],
      e,
    );
  }
}
