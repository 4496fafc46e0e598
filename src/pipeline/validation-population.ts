/**
 * Reads the population (PersonFacts) of a linkage run for the validation
 * report through the scoring stage's own reader (pipeline/score.ts
 * `readPopulation`): the same stored rows, persons and stored mother–child
 * links (link_mother_child), so the report and the scores can never attribute
 * a row differently. Unlike the scoring stage it reads only the sources the
 * attribute items need, plus jumin (residence, 世帯).
 *
 * It also keeps what the facts drop but the report needs: which 世帯 have a
 * member of foreign nationality (jumin 国籍; residence periods do not carry it)
 * and which sources the run holds at all (虐待's 抽出群 falls back to 一時保護
 * where there is no 要対協 register).
 */
import type { Database } from "../db/database.ts";
import { createValidationRepository } from "../db/validation.repository.ts";
import type { Population } from "../domain/items/facts.ts";
import type { IsoDate } from "../domain/types.ts";
import { readPopulation } from "./score.ts";

export interface RunPopulation {
  readonly population: Population;
  /** 世帯番号 with a member of foreign nationality resident on the as-of date. */
  readonly foreignHouseholds: ReadonlySet<string>;
  /** Sources with at least one row in the run. */
  readonly sources: ReadonlySet<string>;
}

const text = (v: unknown): string | null =>
  v === null || v === undefined || v === "" ? null : String(v);

/**
 * Whether a jumin row is resident on the date: 住定日 ≤ date < 消除日, blanks open
 * (docs/scoring.md "Who is scored"). ISO dates compare as strings.
 */
function residentOn(values: Readonly<Record<string, unknown>>, asOf: IsoDate): boolean {
  const from = text(values.住定日);
  const to = text(values.消除日);
  return (from === null || from <= asOf) && (to === null || asOf < to);
}

/**
 * Loads the facts of a linkage run and the extras above. Only rows of
 * `sources` are read (plus jumin, which makes residence and 世帯): the
 * attribute items need a few sources, and reading every row of a city is
 * most of the report's time.
 */
export async function loadRunPopulation(
  db: Database,
  municipalityId: number,
  linkRunId: number,
  asOf: IsoDate,
  sourcesNeeded: readonly string[],
): Promise<RunPopulation> {
  const validation = createValidationRepository(db);
  const sources = new Set(await validation.sourcesOfLinkRun(municipalityId, linkRunId));
  const foreignHouseholds = new Set<string>();
  const { population } = await readPopulation(db, municipalityId, linkRunId, {
    sources: [...new Set(["jumin", ...sourcesNeeded])],
    onRow: (r) => {
      if (r.sourceId !== "jumin") return;
      const nationality = text(r.data.国籍);
      const household = text(r.data.世帯番号);
      // layouts.md: 国籍 blank = 日本.
      if (nationality !== null && nationality !== "日本" && household !== null) {
        if (residentOn(r.data, asOf)) foreignHouseholds.add(household);
      }
    },
  });
  return { population, foreignHouseholds, sources };
}
