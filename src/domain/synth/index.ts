/**
 * The synthetic municipality generator (issue 3). Pure and seeded: the same profile, seed,
 * as-of date and name list give the same rows, byte for byte once written.
 *
 * Public API:
 *
 * - `generateMunicipality({ profile, seed, asOf?, names })` builds the true population
 *   (`world`) and returns one `SourceTable` per canonical source of spec/layouts.md
 *   (`tables`, in layouts.md order). A table knows its file name, encoding (`utf8`,
 *   `utf8bom`, `cp932`), line ending and header, and yields its rows lazily; each row says
 *   which true person it is about (and, for deliberately broken rows, what is broken).
 * - `csvChunks(table, onRow)` turns a table into CSV text chunks (header first) and reports
 *   every data row with its 1-based number, so the caller can write the truth as it goes.
 * - `truthOfRow`, `personsTable`, `difficultiesTable`, `truthReadme` and the `*_HEADER`
 *   constants give the truth files of DIR/truth/.
 * - `namePoolsFromGimei(doc)` validates a parsed gimei-names.yml (the CLI's --names);
 *   `BUILT_IN_NAME_POOLS` are the built-in names (src/domain/synth/demo-names.generated.ts, made
 *   at `npm install` by scripts/build-name-table.ts from faker and kuromoji's IPADIC).
 * - `PROFILES`, `isProfileId`, `DEFAULT_AS_OF`, `parseIsoDay` for the CLI's options.
 *
 * Encoding to bytes (UTF-8 with or without BOM, CP932) and writing files is the caller's job
 * (src/cli/commands/synth.ts).
 */
import { type Day, parseIsoDay } from "./calendar.ts";
import type { NamePools } from "./names.ts";
import { buildWorld } from "./population.ts";
import { PROFILES, type ProfileId } from "./profiles.ts";
import { ninpuKenshin, nyuyojiKenshin, sanpuKenshin } from "./sources/health.ts";
import { ichijiHogo, yotaikyo } from "./sources/protection.ts";
import { jumin } from "./sources/registry.ts";
import { gakkoKenshin, gakureibo, kokoroCheck, shukketsu } from "./sources/school.ts";
import {
  hoikuZaiseki,
  iryohiJosei,
  jidoFuyo,
  kaigoNintei,
  seikatsuHogo,
  shogaijiJukyusha,
  shogaiTecho,
  shugakuEnjo,
  sodanKiroku,
} from "./sources/welfare.ts";
import { csvLine, type SourceTable, type SynthRow } from "./table.ts";
import type { World } from "./world.ts";

export { type Day, isoOf, parseIsoDay } from "./calendar.ts";
export { BUILT_IN_NAME_POOLS } from "./demo-names.generated.ts";
export { DIFFICULTIES, type Difficulty } from "./model.ts";
export { type NamePools, namePoolsFromGimei } from "./names.ts";
export { isProfileId, PROFILES, type Profile, type ProfileId } from "./profiles.ts";
export {
  csvLine,
  type Encoding,
  type SourceTable,
  type SynthRow,
  type TextTable,
} from "./table.ts";
export {
  BROKEN_HEADER,
  difficultiesTable,
  personsTable,
  RECORDS_HEADER,
  RELATED_HEADER,
  truthOfRow,
  truthReadme,
  worldStats,
} from "./truth.ts";
export type { World } from "./world.ts";

/** Default 抽出日: fixed, so that output does not depend on the day it is generated. */
export const DEFAULT_AS_OF = "2025-04-01";

export interface SynthOptions {
  readonly profile: ProfileId;
  readonly seed: number;
  /** ISO date (YYYY-MM-DD); default DEFAULT_AS_OF. */
  readonly asOf?: string;
  readonly names: NamePools;
}

export interface SynthOutput {
  readonly world: World;
  readonly tables: readonly SourceTable[];
}

/** Builds the municipality and its 19 source tables (spec/layouts.md order). */
export function generateMunicipality(options: SynthOptions): SynthOutput {
  const asOf: Day | undefined = parseIsoDay(options.asOf ?? DEFAULT_AS_OF);
  if (asOf === undefined) throw new Error(`invalid as-of date: ${options.asOf}`);
  const world = buildWorld({
    profile: PROFILES[options.profile],
    seed: options.seed,
    asOf,
    names: options.names,
  });
  const tables: SourceTable[] = [
    jumin(world),
    gakureibo(world),
    shukketsu(world),
    gakkoKenshin(world),
    kokoroCheck(world),
    yotaikyo(world),
    ichijiHogo(world),
    nyuyojiKenshin(world),
    ninpuKenshin(world),
    sanpuKenshin(world),
    shogaiTecho(world),
    shogaijiJukyusha(world),
    seikatsuHogo(world),
    jidoFuyo(world),
    shugakuEnjo(world),
    kaigoNintei(world),
    iryohiJosei(world),
    sodanKiroku(world),
    hoikuZaiseki(world),
  ];
  return { world, tables };
}

/**
 * CSV text of a table in chunks of about `chunkRows` rows: the header line first, then data
 * lines, each ending with the table's newline. `onRow` sees every data row with its 1-based
 * number before the chunk holding it is yielded.
 */
export function* csvChunks(
  table: SourceTable,
  onRow: (row: number, r: SynthRow) => void,
  chunkRows = 4000,
): Iterable<string> {
  const nl = table.newline;
  yield csvLine(table.header) + nl;
  let buf: string[] = [];
  let n = 0;
  for (const r of table.rows()) {
    n++;
    onRow(n, r);
    buf.push(csvLine(r.cells));
    if (buf.length >= chunkRows) {
      yield buf.join(nl) + nl;
      buf = [];
    }
  }
  if (buf.length > 0) yield buf.join(nl) + nl;
}
