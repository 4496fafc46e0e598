import { openDatabase } from "../../db/database.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { isRole, ROLE_LABELS, ROLES, type Role } from "../../domain/roles.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../server/bootstrap.ts";
import { createUserWithTemporaryPassword } from "../../server/services/user.service.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const usage = `mimamori user add --login NAME [--display-name 表示名] --role ROLE[,ROLE…]  (ROLE: ${ROLES.join(" | ")})`;

export const userAdd: Command = {
  path: ["user", "add"],
  summary: "利用者を追加し、仮パスワードを表示します（初回ログイン時に変更が必要）。",
  usage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      {
        login: { type: "string" },
        "display-name": { type: "string" },
        role: { type: "string", multiple: true },
      },
      usage,
    );
    const loginName = values.login?.trim();
    if (!loginName || !/^[a-zA-Z0-9._-]{3,64}$/.test(loginName)) {
      throw new MimamoriError(
        "invalid_input",
        "--login には半角英数字と . _ - で 3〜64 文字のログイン名を指定してください。",
        [`使い方: ${usage}`],
      );
    }
    const roles = (values.role ?? [])
      .flatMap((r) => r.split(","))
      .map((r) => r.trim())
      .filter(Boolean);
    const bad = roles.filter((r) => !isRole(r));
    if (roles.length === 0 || bad.length) {
      throw new MimamoriError(
        "invalid_input",
        bad.length
          ? `役割「${bad.join(", ")}」はありません。`
          : "--role で役割を 1 つ以上指定してください。",
        ROLES.map((r) => `${r}: ${ROLE_LABELS[r]}`),
      );
    }
    const { db, close } = await openDatabase({
      databaseUrl: globals.databaseUrl,
      home: globals.home,
    });
    try {
      // Only the municipality: an admin created here would have an unseen password.
      const { id: municipalityId } =
        await createMunicipalityRepository(db).ensureDefault(DEFAULT_MUNICIPALITY_NAME);
      const { user, temporaryPassword } = await createUserWithTemporaryPassword(db, {
        municipalityId,
        loginName,
        displayName: values["display-name"]?.trim() || loginName,
        roles: roles as Role[],
        actor: { id: null, loginName: "cli" },
      });
      process.stdout.write(
        `利用者を追加しました: ${user.loginName}（${user.roles.map((r) => ROLE_LABELS[r as Role] ?? r).join("、")}）\n仮パスワード: ${temporaryPassword}\n初回ログイン時にパスワードの変更が必要です。\n`,
      );
      return 0;
    } finally {
      await close();
    }
  },
};
