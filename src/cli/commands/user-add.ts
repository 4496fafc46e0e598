import { openDatabase } from "../../db/database.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { normaliseRoles, ROLE_LABELS, ROLES, type Role } from "../../domain/policy/index.ts";
import { createUserWithTemporaryPassword } from "../../server/services/user.service.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const usage = `mimamori user add --login NAME [--display-name 表示名] --role ROLE[,ROLE…] [--council] [--affiliation 所属名] [--municipality CODE] [--json]  (ROLE: ${ROLES.join(" | ")})`;

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
        council: { type: "boolean" },
        affiliation: { type: "string" },
        json: { type: "boolean" },
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
    const { roles, council, unknown } = normaliseRoles(
      (values.role ?? []).flatMap((r) => r.split(",")),
    );
    if (roles.length === 0 || unknown.length) {
      throw new MimamoriError(
        "invalid_input",
        unknown.length
          ? `役割「${unknown.join(", ")}」はありません。`
          : "--role で役割を 1 つ以上指定してください。",
        ROLES.map((r) => `${r}: ${ROLE_LABELS[r]}`),
      );
    }
    const affiliation = values.affiliation?.trim() || null;
    if (affiliation !== null && affiliation.length > 100) {
      throw new MimamoriError(
        "invalid_input",
        "--affiliation の所属名は 100 文字以内にしてください。",
      );
    }
    if (roles.includes("affiliation") && affiliation === null) {
      throw new MimamoriError(
        "invalid_input",
        "所属（affiliation）の利用者には --affiliation で学校名・施設名を指定してください。",
      );
    }
    const { db, close } = await openDatabase({
      databaseUrl: globals.databaseUrl,
      home: globals.home,
    });
    try {
      // Only the municipality: an admin created here would have an unseen password.
      // `--municipality CODE` on a shared server (cli/municipality.ts).
      const municipalityId = enterMunicipality(await resolveMunicipality(db, globals));
      const { user, temporaryPassword } = await createUserWithTemporaryPassword(db, {
        municipalityId,
        loginName,
        displayName: values["display-name"]?.trim() || loginName,
        roles,
        council: council || values.council === true,
        affiliation,
        actor: { id: null, loginName: "cli" },
      });
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ login: user.loginName, temporaryPassword })}\n`);
        return 0;
      }
      const labels = user.roles.map((r) => ROLE_LABELS[r as Role] ?? r);
      if (user.council) labels.push("要対協構成員");
      process.stdout.write(
        `利用者を追加しました: ${user.loginName}（${labels.join("、")}${user.affiliation ? `／所属: ${user.affiliation}` : ""}）\n仮パスワード: ${temporaryPassword}\n初回ログイン時にパスワードの変更が必要です。\n`,
      );
      return 0;
    } finally {
      await close();
    }
  },
};
