/**
 * Reads the FEBRL benchmark files: the whole files from MIMAMORI_FEBRL_DIR (the
 * benchmark), or a slice shipped in test/fixtures/febrl (the test); comma + space
 * separated, header row, values kept as strings. The entity of a record is N in its id `rec-N-org` / `rec-N-dup-k`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Folder of the whole FEBRL files (not in this repository: set MIMAMORI_FEBRL_DIR). */
export const FEBRL_DIR =
  process.env.MIMAMORI_FEBRL_DIR ?? join(import.meta.dirname, "..", "test", "fixtures", "febrl");

export interface FebrlRecord {
  readonly id: string;
  readonly entity: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Parses one FEBRL CSV (no quoting is used in these files). */
export function readFebrl(file: string, dir: string = FEBRL_DIR): FebrlRecord[] {
  const path = join(dir, file);
  if (!existsSync(path)) {
    throw new Error(
      `FEBRL data not found: ${path}. The FEBRL benchmark needs the FEBRL files (ANU Open Source Licence), which this repository does not ship; set MIMAMORI_FEBRL_DIR to their folder.`,
    );
  }
  const text = readFileSync(path, "utf8");
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  return lines.slice(1).map((line) => {
    const cells = line.split(",").map((c) => c.trim());
    const fields: Record<string, string> = {};
    header.forEach((h, i) => {
      fields[h] = cells[i] ?? "";
    });
    const id = fields.rec_id ?? "";
    const entity = /^rec-(\d+)-/.exec(id)?.[1] ?? id;
    return { id, entity, fields };
  });
}
