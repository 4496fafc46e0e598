/**
 * `mimamori municipality add --code CODE --name NAME` (cli.md): a municipality
 * on a shared server (a prefecture or a shared municipal cloud). Its data are
 * kept apart by row-level security (db/migrations/0040-row-security.ts); the
 * other commands then need `--municipality CODE`.
 */
import { createAuditRepository } from "../../db/audit.repository.ts";
import { openDatabase } from "../../db/database.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { withDataScope } from "../../db/scope.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { checkMunicipalityCode } from "../../domain/municipality-code.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../server/bootstrap.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const usage = "mimamori municipality add --code CODE --name NAME";

export const municipalityAdd: Command = {
  path: ["municipality", "add"],
  summary:
    "1 台のサーバーに自治体を追加します（CODE: 6 桁の全国地方公共団体コード）。自治体ごとのデータは行単位のアクセス制御で分離されます。",
  usage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      { code: { type: "string" }, name: { type: "string" } },
      usage,
    );
    const code = values.code?.trim() ?? "";
    const name = values.name?.trim() ?? "";
    const problem = checkMunicipalityCode(code);
    if (problem) throw new MimamoriError("invalid_input", problem, [`使い方: ${usage}`]);
    if (!name || name.length > 100) {
      throw new MimamoriError(
        "invalid_input",
        "--name に自治体名（100 文字以内）を指定してください。",
        [`使い方: ${usage}`],
      );
    }
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const repo = createMunicipalityRepository(opened.db);
      const existing = await repo.list();
      // The municipality a single-town server made on first start (no code yet)
      // becomes this one, so the data it already holds stay with it.
      const unnamed =
        existing.length === 1 &&
        existing[0]?.code === null &&
        existing[0].name === DEFAULT_MUNICIPALITY_NAME
          ? existing[0]
          : undefined;
      const added = unnamed
        ? await repo.rename(unnamed.id, { code, name })
        : await repo.add({ code, name });
      if (!added) {
        throw new MimamoriError(
          "conflict",
          `自治体コード ${code} の自治体は既にあります。mimamori municipality list で確認してください。`,
        );
      }
      await withDataScope({ municipalityId: added.id, council: false }, () =>
        createAuditRepository(opened.db).append({
          municipalityId: added.id,
          actorUserId: null,
          actor: "cli",
          action: "municipality.add",
          target: code,
          detail: { renamedFirst: unnamed !== undefined },
        }),
      );
      process.stdout.write(
        `自治体を追加しました: ${added.name}（${code}）${unnamed ? "（最初の自治体に名前とコードを付けました）" : ""}\n` +
          (existing.length >= 1 && !unnamed
            ? "このサーバーには複数の自治体があります。取り込み・実行・書き出しでは --municipality CODE を指定してください。\n"
            : ""),
      );
      return 0;
    } finally {
      await opened.close();
    }
  },
};

export const municipalityList: Command = {
  path: ["municipality", "list"],
  summary: "このサーバーの自治体（コードと名前）を一覧します。",
  usage: "mimamori municipality list",
  async run(args, globals) {
    parseCommandArgs(args, {}, "mimamori municipality list");
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      for (const m of await createMunicipalityRepository(opened.db).list())
        process.stdout.write(`${m.code ?? "（コードなし）"}\t${m.name}\n`);
      return 0;
    } finally {
      await opened.close();
    }
  },
};
