/**
 * Child-protection sources: yotaikyo (要対協 ケース進行管理台帳, a register kept by hand in a
 * spreadsheet: mixed date spellings, full-width digits, 宛名番号 often missing, names retyped)
 * and ichiji_hogo (一時保護児童票 from the prefecture's 児童相談所: no 宛名番号 at all,
 * layouts.md). Both are UTF-8 with BOM, as Excel saves "CSV UTF-8".
 */

import { dayOf } from "../calendar.ts";
import { ALIAS_USE } from "../model.ts";
import { Rng } from "../random.ts";
import type { SourceTable, SynthRow } from "../table.ts";
import type { World } from "../world.ts";
import {
  DateWriter,
  type NameStyle,
  renderName,
  residentNoAt,
  transposedBirth,
  writeSex,
} from "./common.ts";

const HAND_TYPED: NameStyle = {
  kanji: "typed",
  foldP: 0.6,
  gaijiMark: "〓",
  space: "mixed",
  kana: "mixed",
  longVowelP: 0.05,
  jiZuP: 0.5,
  vuP: 0.4,
  typoP: 0.015,
  foreignKatakanaP: 0.4,
  fullWidthAlphabet: false,
  aliasP: ALIAS_USE.handTyped,
  kanaAltP: 0.3,
};

/** Hand-kept registers break about one row in 150. */
const BROKEN_RATE = 1 / 150;

export function yotaikyo(world: World): SourceTable {
  const header = [
    "宛名番号",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "登録日",
    "終結日",
    "登録種別",
  ];
  return {
    source: "yotaikyo",
    file: "yotaikyo.csv",
    encoding: "utf8bom",
    newline: "\r\n",
    header,
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:yotaikyo");
      const dates = new DateWriter(["wareki", "slash0", "warekiShort"], [0.5, 0.3, 0.2], 0.1);
      const cases = world.persons
        .filter((p) => p.yotaikyo !== null)
        .sort((a, b) => (a.yotaikyo?.start ?? 0) - (b.yotaikyo?.start ?? 0) || a.id - b.id);
      for (const p of cases) {
        const reg = p.yotaikyo;
        if (!reg) continue;
        const [name, kana] = renderName(p, HAND_TYPED, rng, reg.start);
        const cells = [
          rng.chance(0.2) ? "" : residentNoAt(p, reg.start),
          name,
          kana,
          dates.write(p.birth, rng),
          writeSex(p.sex, "男女"),
          dates.write(reg.start, rng),
          reg.end === null ? "" : dates.write(reg.end, rng),
          reg.type,
        ];
        if (rng.chance(BROKEN_RATE)) {
          const which = rng.int(3);
          if (which === 0) {
            cells[5] = new DateWriter(["wareki"]).impossible(reg.start, rng);
            yield { person: p.id, cells, broken: { column: "登録日", problem: "impossible date" } };
          } else if (which === 1) {
            cells[1] = "";
            yield {
              person: p.id,
              cells,
              broken: { column: "氏名", problem: "required value missing" },
            };
          } else {
            cells[3] = "";
            yield {
              person: p.id,
              cells,
              broken: { column: "生年月日", problem: "required value missing" },
            };
          }
          continue;
        }
        yield { person: p.id, cells };
      }
    },
  };
}

export function ichijiHogo(world: World): SourceTable {
  const header = ["氏名", "氏名カナ", "生年月日", "性別", "保護開始日", "保護解除日"];
  return {
    source: "ichiji_hogo",
    file: "ichiji_hogo.csv",
    encoding: "utf8bom",
    newline: "\r\n",
    header,
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:ichiji_hogo");
      const dates = new DateWriter(["wareki"], [1], 0.05);
      const style: NameStyle = { ...HAND_TYPED, foldP: 0.7, kana: "katakana", space: "full" };
      for (const p of world.persons) {
        for (const ep of p.ichijiHogo) {
          const [name, kana] = renderName(p, style, rng, ep.start);
          const slip = rng.chance(0.01) ? transposedBirth(p.birth) : undefined;
          const cells = [
            name,
            kana,
            dates.write(slip ? dayOf(...slip) : p.birth, rng),
            writeSex(p.sex, "男女"),
            dates.write(ep.start, rng),
            ep.end === null ? "" : dates.write(ep.end, rng),
          ];
          if (rng.chance(BROKEN_RATE)) {
            cells[4] = dates.impossible(ep.start, rng);
            yield {
              person: p.id,
              cells,
              broken: { column: "保護開始日", problem: "impossible date" },
            };
            continue;
          }
          yield { person: p.id, cells };
        }
      }
    },
  };
}
