import type { Database } from "./database.ts";

export function createMunicipalityRepository(db: Database) {
  return {
    /** The first municipality, created on first start when none exists. */
    async ensureDefault(name: string): Promise<{ id: number; name: string }> {
      const existing = await db
        .selectFrom("municipality")
        .select(["id", "name"])
        .orderBy("id")
        .executeTakeFirst();
      if (existing) return existing;
      return db
        .insertInto("municipality")
        .values({ name, code: null })
        .returning(["id", "name"])
        .executeTakeFirstOrThrow();
    },

    async findById(
      id: number,
    ): Promise<{ id: number; name: string; code: string | null } | undefined> {
      return db
        .selectFrom("municipality")
        .select(["id", "name", "code"])
        .where("id", "=", id)
        .executeTakeFirst();
    },
  };
}
