/**
 * A municipality's sources (issue 14): the built-ins plus its declarations
 * (domain/sources/declaration.ts), read from the database for every import,
 * linkage run, scoring run and validation report, and changed by
 * `mimamori source add` / `remove` (audited as `source.declare` /
 * `source.remove`). A declaration is checked against the others before it is
 * stored, so a stored set always compiles.
 */
import { parse as parseYaml } from "yaml";
import { createAuditRepository } from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import { createSourceRepository } from "../db/source.repository.ts";
import { MimamoriError } from "../domain/errors.ts";
import { createSources, type Sources } from "../domain/layouts.ts";
import { parseDeclaration, type SourceDeclaration } from "../domain/sources/declaration.ts";

export interface Actor {
  readonly userId: number | null;
  readonly loginName: string;
}

/** The municipality's sources: built-ins, extended built-ins and its own. */
export async function loadSources(db: Database, municipalityId: number): Promise<Sources> {
  return createSources(await loadDeclarations(db, municipalityId));
}

/** The stored declarations, checked again (a row edited in the database must not half-load). */
export async function loadDeclarations(
  db: Database,
  municipalityId: number,
): Promise<SourceDeclaration[]> {
  const stored = await createSourceRepository(db).list(municipalityId);
  return stored.map((s) =>
    parseDeclaration(s.declaration, `保存されている取り込み元「${s.sourceId}」`),
  );
}

/** A declaration file's text (YAML or JSON, which is YAML) → a checked declaration. */
export function parseDeclarationText(text: string, origin: string): SourceDeclaration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new MimamoriError(
      "invalid_input",
      `${origin} を YAML・JSON として読めません。書式を確認してください。`,
      [e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e)],
      e,
    );
  }
  return parseDeclaration(doc, origin);
}

/**
 * Adds or replaces a declaration after compiling it with the municipality's
 * other declarations (every problem at once). Returns whether it replaced one.
 */
export async function declareSource(
  db: Database,
  municipalityId: number,
  declaration: SourceDeclaration,
  actor: Actor,
): Promise<{ replaced: boolean; sources: Sources }> {
  const others = await loadDeclarations(db, municipalityId);
  const replaced = others.some((d) => d.id === declaration.id);
  const next = [...others.filter((d) => d.id !== declaration.id), declaration];
  const sources = createSources(next);
  await createSourceRepository(db).save(
    municipalityId,
    declaration.id,
    declaration,
    actor.loginName,
  );
  await createAuditRepository(db).append({
    municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "source.declare",
    target: `source:${declaration.id}`,
    detail: { replaced, columns: declaration.columns.length, extends: declaration.extends ?? null },
  });
  return { replaced, sources };
}

/** Removes a declaration (rows already imported stay; runs read them by the built-in names). */
export async function removeSource(
  db: Database,
  municipalityId: number,
  sourceId: string,
  actor: Actor,
): Promise<void> {
  const removed = await createSourceRepository(db).remove(municipalityId, sourceId);
  if (!removed) {
    throw new MimamoriError(
      "not_found",
      `取り込み元「${sourceId}」の定義は登録されていません。mimamori source list で確かめてください。`,
    );
  }
  await createAuditRepository(db).append({
    municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "source.remove",
    target: `source:${sourceId}`,
    detail: {},
  });
}
