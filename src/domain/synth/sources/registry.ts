/**
 * jumin (住民基本台帳): the registry extract of every household with a child 0–18 or a
 * pregnancy, including members removed (消除) in the last three years — which is how a person
 * who moved out and back shows up with two 宛名番号 (2024 final report §2.4).
 *
 * The registry is the clean source: exact names (異体字 kept), katakana readings, dates as
 * `20240401`. Names of foreign residents are in full-width capitals, as many registry
 * systems hold them, with their katakana; a registered 通称 (住民基本台帳法施行令 第30条の26)
 * is in 通称 / 通称カナ beside the registered name.
 */

import { Rng } from "../random.ts";
import type { SourceTable, SynthRow } from "../table.ts";
import type { Person, Stint, World } from "../world.ts";
import { DateWriter, type NameStyle, renderName, writeSex } from "./common.ts";

const STYLE: NameStyle = {
  kanji: "exact",
  foldP: 0,
  gaijiMark: "〓",
  space: "full",
  kana: "katakana",
  longVowelP: 0,
  jiZuP: 0,
  vuP: 0,
  typoP: 0,
  foreignKatakanaP: 0,
  fullWidthAlphabet: true,
  aliasP: 0,
  kanaAltP: 0,
};

const RELATION_ORDER: Record<string, number> = {
  世帯主: 0,
  妻: 1,
  夫: 1,
  父: 2,
  母: 3,
  子: 4,
  祖父: 5,
  祖母: 6,
  その他: 7,
};

export function jumin(world: World): SourceTable {
  const dates = new DateWriter(["compact"]);
  return {
    source: "jumin",
    file: "jumin.csv",
    encoding: "utf8",
    newline: "\n",
    header: [
      "宛名番号",
      "世帯番号",
      "氏名",
      "氏名カナ",
      "生年月日",
      "性別",
      "続柄",
      "住所",
      "住定日",
      "消除日",
      "国籍",
      "通称",
      "通称カナ",
    ],
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:jumin");
      const entries: { p: Person; st: Stint }[] = [];
      for (const p of world.persons) {
        for (const st of p.stints) {
          if (st.to === null || st.to >= world.extractStart) entries.push({ p, st });
        }
      }
      entries.sort(
        (a, b) =>
          Number(a.st.householdNo) - Number(b.st.householdNo) ||
          (RELATION_ORDER[a.st.relation] ?? 9) - (RELATION_ORDER[b.st.relation] ?? 9) ||
          a.p.birth - b.p.birth ||
          a.p.id - b.p.id,
      );
      for (const { p, st } of entries) {
        const hh = world.households[p.hh];
        const stay = hh?.stays[st.stay];
        // After a move within the municipality the registry shows the new address.
        const address =
          hh?.relocation && st.to === null ? hh.relocation.address : (stay?.address ?? "");
        const [name, kana] = renderName(p, STYLE, rng);
        yield {
          person: p.id,
          cells: [
            st.residentNo,
            st.householdNo,
            name,
            kana,
            dates.write(p.birth, rng),
            writeSex(p.sex, "12"),
            st.relation,
            address,
            dates.write(st.from, rng),
            st.to === null ? "" : dates.write(st.to, rng),
            p.nationality,
            p.alias ? `${p.alias.family}　${p.alias.given}` : "",
            p.alias ? `${p.alias.familyKana}　${p.alias.givenKana}` : "",
          ],
        };
      }
    },
  };
}
