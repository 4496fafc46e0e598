/** Reads a mapping file (YAML) from disk; the format is defined in domain/mapping.ts. */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { MimamoriError } from "../domain/errors.ts";
import type { Sources } from "../domain/layouts.ts";
import { type Mapping, parseMapping } from "../domain/mapping.ts";

/** Loads and checks a mapping file; throws MimamoriError with every problem listed. */
export async function loadMapping(path: string, sources?: Sources): Promise<Mapping> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new MimamoriError(
      "not_found",
      `マッピングファイル ${path} を読めません。パスを確認してください。`,
      [],
      e,
    );
  }
  return parseMapping(text.replace(/^\ufeff/, ""), basename(path), sources);
}
