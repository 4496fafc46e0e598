/**
 * `mimamori export links --out FILE` and `mimamori export persons --out FILE`
 * (spec/cli.md): the newest 名寄せ run as CSV, written under a temporary name
 * and renamed into place, so a file is never half-written.
 */
import { createAuditRepository } from "../../db/audit.repository.ts";
import { openDatabase } from "../../db/database.ts";
import { createLinkageRepository } from "../../db/linkage.repository.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../server/bootstrap.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command, GlobalOptions } from "../command.ts";
import { csvLine, outPath, writeAtomically } from "../csv-export.ts";

async function exportRun(
  args: string[],
  globals: GlobalOptions,
  usage: string,
  what: "links" | "persons",
): Promise<number> {
  const { values } = parseCommandArgs(args, { out: { type: "string" } }, usage);
  const path = outPath(values.out, usage);
  const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
  try {
    const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
      DEFAULT_MUNICIPALITY_NAME,
    );
    const repo = createLinkageRepository(opened.db);
    const run = await repo.latestRun(municipalityId);
    if (!run)
      throw new MimamoriError(
        "not_found",
        "名寄せの結果がありません。先に mimamori run を実行してください。",
      );
    const lines =
      what === "links"
        ? (async function* () {
            yield csvLine(["source", "file", "row", "person_id", "probability", "method"]);
            for await (const page of repo.streamLinks(municipalityId, run.id))
              for (const l of page)
                yield csvLine([l.source, l.file, l.row, l.personId, l.probability, l.method]);
          })()
        : (async function* () {
            yield csvLine([
              "person_id",
              "resident_nos",
              "name",
              "name_kana",
              "birth_date",
              "sex",
              "household_no",
            ]);
            for (const p of await repo.listPersons(municipalityId, run.id))
              yield csvLine([
                p.personId,
                p.residentNos.join("|"),
                p.name,
                p.nameKana,
                p.birthDate,
                // 1 男 2 女 (JIS X 0303), blank when unknown.
                p.sex === "male" ? "1" : p.sex === "female" ? "2" : "",
                p.householdNo,
              ]);
          })();
    const written = (await writeAtomically(path, lines)) - 1;
    await createAuditRepository(opened.db).append({
      municipalityId,
      actorUserId: null,
      actor: "cli",
      action: `export.${what}`,
      target: `link_run:${run.id}`,
      detail: { rows: written },
    });
    process.stderr.write(
      `${path} に ${written.toLocaleString("ja-JP")} 行を書き出しました（名寄せ実行番号 ${run.id}、基準日 ${run.asOf}）。\n`,
    );
    return 0;
  } finally {
    await opened.close();
  }
}

const linksUsage = "mimamori export links --out FILE";
export const exportLinks: Command = {
  path: ["export", "links"],
  summary: "取り込んだ各行がどの人につながったか（名寄せ結果）を CSV に書き出します。",
  usage: linksUsage,
  run: (args, globals) => exportRun(args, globals, linksUsage, "links"),
};

const personsUsage = "mimamori export persons --out FILE";
export const exportPersons: Command = {
  path: ["export", "persons"],
  summary: "名寄せでまとめた人の一覧を CSV に書き出します。",
  usage: personsUsage,
  run: (args, globals) => exportRun(args, globals, personsUsage, "persons"),
};
