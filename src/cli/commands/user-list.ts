import { createAccountRepository } from "../../db/account.repository.ts";
import { createAuditRepository } from "../../db/audit.repository.ts";
import { openDatabase } from "../../db/database.ts";
import { ROLE_LABELS, type Role } from "../../domain/roles.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const usage = "mimamori user list [--json]";

const day = (d: Date | null) =>
  d ? new Date(d.getTime() + 9 * 3600_000).toISOString().slice(0, 10) : "—";

/**
 * `user list`: the account inventory for the periodic review (棚卸) — role,
 * last login, created, disabled, second factor, lock, open sessions.
 */
export const userList: Command = {
  path: ["user", "list"],
  summary:
    "利用者の一覧（定期的な棚卸用: 役割、最終ログイン、作成日、停止中か、二要素認証、ロック、ログイン中のセッション数）。",
  usage,
  async run(args, globals) {
    const { values } = parseCommandArgs(args, { json: { type: "boolean" } }, usage);
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
      const rows = await createAccountRepository(opened.db).inventory(municipalityId);
      await createAuditRepository(opened.db).append({
        municipalityId,
        actorUserId: null,
        actor: "cli",
        action: "user.inventory",
        detail: { count: rows.length },
      });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return 0;
      }
      const header = [
        "ログイン名",
        "役割",
        "最終ログイン",
        "作成日",
        "状態",
        "二要素",
        "セッション",
      ];
      const lines = [header.join("\t")];
      for (const r of rows) {
        const state = r.disabled
          ? "停止中"
          : r.lockedUntil
            ? `ロック中（${r.lockedUntil.toISOString()} まで）`
            : r.mustChangePassword
              ? "仮パスワード"
              : "有効";
        lines.push(
          [
            r.loginName,
            r.roles.map((x) => ROLE_LABELS[x as Role] ?? x).join("、"),
            day(r.lastLoginAt),
            day(r.createdAt),
            state,
            r.secondFactor ? "あり" : "なし",
            String(r.activeSessions),
          ].join("\t"),
        );
      }
      lines.push(`${rows.length} 人`);
      process.stdout.write(`${lines.join("\n")}\n`);
      return 0;
    } finally {
      await opened.close();
    }
  },
};
