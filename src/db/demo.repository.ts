import type { Database } from "./database.ts";

/**
 * What the demo loader of `serve --demo` (src/pipeline/demo.ts) asks of the database: whether
 * anything was ever imported, and a new name for the municipality that receives the demo.
 */
export function createDemoRepository(db: Database) {
  return {
    /** True when any municipality has any import snapshot (superseded ones included). */
    async hasAnyImport(): Promise<boolean> {
      const r = await db.selectFrom("import_snapshot").select("id").limit(1).executeTakeFirst();
      return r !== undefined;
    },

    async renameMunicipality(id: number, name: string): Promise<void> {
      await db.updateTable("municipality").set({ name }).where("id", "=", id).execute();
    },
  };
}
