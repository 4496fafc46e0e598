import { migrateToLatest, openDatabase } from "../../db/database.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const usage = "mimamori db migrate";

export const dbMigrate: Command = {
  path: ["db", "migrate"],
  summary: "データベースのスキーマを最新にします（起動時にも自動で行われます）。",
  usage,
  async run(args, globals) {
    parseCommandArgs(args, {}, usage);
    const { db, close } = await openDatabase({
      databaseUrl: globals.databaseUrl,
      home: globals.home,
      migrate: false,
    });
    try {
      const applied = await migrateToLatest(db);
      process.stdout.write(
        applied.length
          ? `適用したマイグレーション: ${applied.join(", ")}\n`
          : "スキーマは最新です。\n",
      );
      return 0;
    } finally {
      await close();
    }
  },
};
