/**
 * `mimamori backup --out DIR` and `mimamori restore --from DIR` (issue 16):
 * an online base backup of the embedded PostgreSQL with PostgreSQL's own
 * low-level API while it serves, and its restore into a fresh home
 * (pipeline/backup.ts, docs/operations.md). With DATABASE_URL, the server's
 * own tooling is the way (pg_basebackup, WAL archiving).
 */
import { openDatabase } from "../../db/database.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { backupDatabase, restoreBackup } from "../../pipeline/backup.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const backupUsage = "mimamori backup --out DIR";
const restoreUsage = "mimamori restore --from DIR [--home NEWHOME]";

const external = () =>
  new MimamoriError(
    "invalid_input",
    "DATABASE_URL（--db）のサーバーは、そのサーバーの標準の手順（pg_basebackup、WAL アーカイブ、pg_dump）でバックアップ・復元してください（docs/operations.md）。mimamori backup / restore は内蔵 PostgreSQL 用です。",
  );

export const backupCommand: Command = {
  path: ["backup"],
  summary:
    "内蔵 PostgreSQL を動かしたまま（利用中でも）PostgreSQL のオンラインバックアップの仕組みでフォルダに複製します。",
  usage: backupUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(args, { out: { type: "string" } }, backupUsage);
    if (!values.out)
      throw new MimamoriError(
        "invalid_input",
        `--out でバックアップ先のフォルダを指定してください（${backupUsage}）。`,
      );
    if (globals.databaseUrl !== undefined) throw external();
    const opened = await openDatabase({
      databaseUrl: undefined,
      home: globals.home,
      migrate: false,
      poolSize: 1,
    });
    try {
      const m = await backupDatabase({ url: opened.url, home: globals.home, out: values.out });
      const mb = (m.bytes / 1024 / 1024).toFixed(1);
      process.stdout.write(
        [
          `バックアップを作成しました: ${values.out}`,
          `  ${m.files.toLocaleString("ja-JP")} ファイル、${mb} MB（PostgreSQL ${m.serverVersion}、WAL ${m.walFiles.length} 本、${m.startLsn} 〜 ${m.stopLsn}）`,
          "  このフォルダには全データと内蔵 PostgreSQL のパスワードが入っています。持ち出し・保管は個人情報と同じ扱いにしてください。",
          `  戻すとき: mimamori restore --from ${values.out} --home 新しいホーム`,
          "",
        ].join("\n"),
      );
      return 0;
    } finally {
      await opened.close();
    }
  },
};

export const restoreCommand: Command = {
  path: ["restore"],
  summary:
    "mimamori backup で作ったバックアップを、新しい（空の）ホームに戻します。戻した後、そのホームで起動して確認してください。",
  usage: restoreUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(args, { from: { type: "string" } }, restoreUsage);
    if (!values.from)
      throw new MimamoriError(
        "invalid_input",
        `--from でバックアップのフォルダを指定してください（${restoreUsage}）。`,
      );
    if (globals.databaseUrl !== undefined) throw external();
    const r = await restoreBackup({ from: values.from, home: globals.home });
    process.stdout.write(
      [
        `バックアップ（${r.manifest.finishedAt} 時点）を ${globals.home} に戻しました（データは ${r.dataDir}、テーブル ${r.tables}）。`,
        `  起動: npx mimamori --home ${globals.home} serve`,
        "",
      ].join("\n"),
    );
    return 0;
  },
};
