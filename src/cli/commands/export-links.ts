/**
 * `mimamori export links --out FILE` and `mimamori export persons --out FILE`
 * (spec/cli.md): the newest 名寄せ run as CSV, written under a temporary name
 * and renamed into place, so a file is never half-written.
 */
import { createLinkageRepository } from "../../db/linkage.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import type { Command, GlobalOptions } from "../command.ts";
import { csvLine, runExport } from "../csv-export.ts";

function exportRun(
  args: string[],
  globals: GlobalOptions,
  usage: string,
  what: "links" | "persons",
): Promise<number> {
  return runExport(args, globals, usage, what, async (db, municipalityId) => {
    const repo = createLinkageRepository(db);
    const run = await repo.latestRun(municipalityId);
    if (!run)
      throw new MimamoriError(
        "not_found",
        "名寄せの結果がありません。先に mimamori run を実行してください。",
      );
    const disclosed = new Set<string>();
    const lines =
      what === "links"
        ? (async function* () {
            yield csvLine(["source", "file", "row", "person_id", "probability", "method"]);
            for await (const page of repo.streamLinks(municipalityId, run.id))
              for (const l of page) {
                if (l.personId) disclosed.add(l.personId);
                yield csvLine([l.source, l.file, l.row, l.personId, l.probability, l.method]);
              }
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
            for (const p of await repo.listPersons(municipalityId, run.id)) {
              disclosed.add(p.personId);
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
            }
          })();
    return {
      lines,
      disclosed,
      target: `link_run:${run.id}`,
      describe: `名寄せ実行番号 ${run.id}、基準日 ${run.asOf}`,
    };
  });
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
