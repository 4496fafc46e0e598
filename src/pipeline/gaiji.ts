/**
 * A municipality's 外字 table (issue 14, 喬木村): stored per municipality
 * (0031-gaiji), set with `mimamori gaiji set FILE`, and used by every 名寄せ
 * run (pipeline/linkage.ts → domain/linkage: names with the vendor's
 * private-use characters are read as the characters they stand for).
 */
import { parse as parseYaml } from "yaml";
import { createAuditRepository } from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import { createGaijiRepository } from "../db/source.repository.ts";
import { MimamoriError } from "../domain/errors.ts";
import { buildGaijiTable, EMPTY_GAIJI, type GaijiTable } from "../domain/ja/name.ts";

export type GaijiEntry = { readonly code: string; readonly char: string };

/**
 * The entries of a 外字 file: a YAML (or JSON) map from the code point
 * (`U+E001`, `E001` or the character itself) to the character it stands for.
 */
export function parseGaijiText(text: string, origin: string): GaijiEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text.replace(/^\ufeff/, ""), { schema: "failsafe" });
  } catch (e) {
    throw new MimamoriError(
      "invalid_input",
      `${origin} を YAML・JSON として読めません。書式を確認してください。`,
      [e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e)],
      e,
    );
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new MimamoriError(
      "invalid_input",
      `${origin}: 「U+E001: 近」のように、外字コードと対応する文字を1行ずつ書いてください。`,
    );
  }
  const entries = Object.entries(doc as Record<string, unknown>).map(([code, char]) => ({
    code,
    char: typeof char === "string" ? char : "",
  }));
  buildGaijiTable(entries); // every problem at once, before anything is stored
  return entries;
}

/** The municipality's table (empty when none was set). */
export async function loadGaiji(db: Database, municipalityId: number): Promise<GaijiTable> {
  const stored = await createGaijiRepository(db).get(municipalityId);
  if (!stored) return EMPTY_GAIJI;
  return buildGaijiTable(stored.entries as GaijiEntry[]);
}

/** Replaces the municipality's table; audited as `gaiji.set` (counts only). */
export async function saveGaiji(
  db: Database,
  municipalityId: number,
  entries: readonly GaijiEntry[],
  actor: { userId: number | null; loginName: string },
): Promise<number> {
  const table = buildGaijiTable(entries);
  await createGaijiRepository(db).save(municipalityId, entries, actor.loginName);
  await createAuditRepository(db).append({
    municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "gaiji.set",
    target: null,
    detail: { entries: table.size },
  });
  return table.size;
}
