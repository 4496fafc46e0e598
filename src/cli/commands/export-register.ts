/**
 * `mimamori export register --out FILE` (docs/cli.md, issue 12): a
 * 個人情報ファイル簿-style register of the data items in use — per item of the
 * rule version in force today: its name, level, the sources (files) it reads
 * with the departments' source names, the 利用目的, the legal basis
 * (目的内 / 法69条2項2号・3号・4号), whether it is a 要対協 fact (council members
 * only) and where the item comes from. Items without a declared purpose or
 * basis are written with 「未記入」 so the gap is visible.
 */
import { isCouncilOnlyItem } from "../../domain/policy/index.ts";
import type { IsoDate } from "../../domain/types.ts";
import { findRuleVersion } from "../../pipeline/rules.ts";
import { loadSources } from "../../pipeline/sources.ts";
import type { Command } from "../command.ts";
import { csvLine, runExport } from "../csv-export.ts";

const LEVELS: Record<string, string> = {
  child: "こども",
  household: "世帯",
  mother: "母（妊産婦）",
};
const usage = "mimamori export register --out FILE";

export const exportRegister: Command = {
  path: ["export", "register"],
  summary:
    "データ項目ごとの利用目的・法的根拠・取得元の一覧（個人情報ファイル簿の作成用）を CSV に書き出します。",
  usage,
  run: (args, globals) =>
    runExport(args, globals, usage, "register", async (db, municipalityId) => {
      const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" }) as IsoDate;
      const version = await findRuleVersion(
        db,
        municipalityId,
        { asOf: today },
        { userId: null, loginName: "cli" },
      );
      const sources = await loadSources(db, municipalityId);
      const lines = (async function* () {
        yield csvLine([
          "item_id",
          "item_name",
          "level",
          "source_ids",
          "source_names",
          "purpose",
          "legal_basis",
          "council_only",
          "basis",
          "rule_version",
        ]);
        for (const i of version.rules.catalog.items)
          yield csvLine([
            i.id,
            i.name,
            LEVELS[i.level] ?? i.level,
            i.sources.join("|"),
            i.sources.map((s) => sources.find(s)?.name ?? s).join("|"),
            i.purpose ?? "未記入",
            i.legalBasis ?? "未記入",
            isCouncilOnlyItem(i.id) ? "要対協構成員のみ" : "",
            i.basis,
            version.label,
          ]);
      })();
      return {
        lines,
        target: `rule_version:${version.label}`,
        describe: `規則 ${version.label}（${version.rules.catalog.items.length} 項目）`,
      };
    }),
};
