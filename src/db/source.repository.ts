/**
 * A municipality's declared sources (0030-source-declaration): the
 * declaration JSON as checked by pipeline/sources.ts, one row per source id.
 */
import type { Database } from "./database.ts";

export interface StoredSourceDeclaration {
  readonly sourceId: string;
  /** As stored; checked again by the caller (domain/sources/declaration.ts). */
  readonly declaration: unknown;
  readonly updatedAt: Date;
  readonly actor: string;
}

export function createSourceRepository(db: Database) {
  return {
    /** Every declaration of the municipality, by source id. */
    async list(municipalityId: number): Promise<StoredSourceDeclaration[]> {
      const rows = await db
        .selectFrom("source_declaration")
        .select(["source_id", "declaration", "updated_at", "actor"])
        .where("municipality_id", "=", municipalityId)
        .orderBy("source_id")
        .execute();
      return rows.map((r) => ({
        sourceId: r.source_id,
        declaration: r.declaration,
        updatedAt: r.updated_at,
        actor: r.actor,
      }));
    },

    /** Adds or replaces the declaration of a source id. */
    async save(
      municipalityId: number,
      sourceId: string,
      declaration: unknown,
      actor: string,
    ): Promise<void> {
      await db
        .insertInto("source_declaration")
        .values({
          municipality_id: municipalityId,
          source_id: sourceId,
          declaration: JSON.stringify(declaration),
          actor,
        })
        .onConflict((oc) =>
          oc.columns(["municipality_id", "source_id"]).doUpdateSet({
            declaration: JSON.stringify(declaration),
            actor,
            updated_at: new Date(),
          }),
        )
        .execute();
    },

    /** Removes a declaration; false when there was none. */
    async remove(municipalityId: number, sourceId: string): Promise<boolean> {
      const r = await db
        .deleteFrom("source_declaration")
        .where("municipality_id", "=", municipalityId)
        .where("source_id", "=", sourceId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

/** A municipality's 外字 table (0031-gaiji), as stored entries. */
export function createGaijiRepository(db: Database) {
  return {
    async get(
      municipalityId: number,
    ): Promise<{ entries: unknown; updatedAt: Date; actor: string } | undefined> {
      const r = await db
        .selectFrom("gaiji_table")
        .select(["entries", "updated_at", "actor"])
        .where("municipality_id", "=", municipalityId)
        .executeTakeFirst();
      return r && { entries: r.entries, updatedAt: r.updated_at, actor: r.actor };
    },

    async save(
      municipalityId: number,
      entries: readonly { code: string; char: string }[],
      actor: string,
    ): Promise<void> {
      const json = JSON.stringify(entries);
      await db
        .insertInto("gaiji_table")
        .values({ municipality_id: municipalityId, entries: json, actor })
        .onConflict((oc) =>
          oc
            .column("municipality_id")
            .doUpdateSet({ entries: json, actor, updated_at: new Date() }),
        )
        .execute();
    },
  };
}
