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

    async findByCode(
      code: string,
    ): Promise<{ id: number; name: string; code: string | null } | undefined> {
      return db
        .selectFrom("municipality")
        .select(["id", "name", "code"])
        .where("code", "=", code)
        .executeTakeFirst();
    },

    async list(): Promise<{ id: number; name: string; code: string | null }[]> {
      return db.selectFrom("municipality").select(["id", "name", "code"]).orderBy("id").execute();
    },

    /** Adds a municipality to a shared server; undefined when the code is taken. */
    async add(m: {
      code: string;
      name: string;
    }): Promise<{ id: number; name: string; code: string | null } | undefined> {
      return db
        .insertInto("municipality")
        .values({ code: m.code, name: m.name })
        .onConflict((oc) => oc.column("code").doNothing())
        .returning(["id", "name", "code"])
        .executeTakeFirst();
    },

    /** Gives a municipality its code and name; undefined when the code is taken. */
    async rename(
      id: number,
      m: { code: string; name: string },
    ): Promise<{ id: number; name: string; code: string | null } | undefined> {
      const taken = await db
        .selectFrom("municipality")
        .select("id")
        .where("code", "=", m.code)
        .where("id", "<>", id)
        .executeTakeFirst();
      if (taken) return undefined;
      return db
        .updateTable("municipality")
        .set({ code: m.code, name: m.name })
        .where("id", "=", id)
        .returning(["id", "name", "code"])
        .executeTakeFirst();
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
