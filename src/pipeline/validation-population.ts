/**
 * Reads the population (PersonFacts) of a linkage run for the validation
 * report, exactly as the scoring stage builds it: the stored rows with their
 * persons, the mother–child rule for 妊婦/産婦健診 rows, then
 * domain/items/build-facts.ts. The same public functions as pipeline/score.ts
 * are called in the same order; score.ts keeps its read inline, so this is
 * the one place that mirrors it (replace it with a shared loader when the
 * scoring stage exports one). Unlike the scoring stage it reads only the
 * sources the attribute items need.
 *
 * It also keeps what the facts drop but the report needs: which 世帯 have a
 * member of foreign nationality (jumin 国籍; residence periods do not carry it)
 * and which sources the run holds at all (虐待's 抽出群 falls back to 一時保護
 * where there is no 要対協 register).
 */
import type { Database } from "../db/database.ts";
import { createLinkageRepository } from "../db/linkage.repository.ts";
import { createValidationRepository } from "../db/validation.repository.ts";
import { buildPopulation, type LinkedRow } from "../domain/items/build-facts.ts";
import type { Population } from "../domain/items/facts.ts";
import { linkChildrenOfMothers, type MotherRowFacts } from "../domain/linkage/mother-child.ts";
import type { LinkRecord, PersonId } from "../domain/linkage/types.ts";
import type { IsoDate } from "../domain/types.ts";
import type { Sex } from "../domain/values.ts";
import { linkRecordOfData } from "./link-input.ts";

const MOTHER_SOURCES = new Set(["ninpu_kenshin", "sanpu_kenshin"]);

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
 * `sources` are read (plus jumin, which makes residence, 世帯 and the
 * mother–child rule): the attribute items need a few sources, and reading
 * every row of a city is most of the report's time.
 */
export async function loadRunPopulation(
  db: Database,
  municipalityId: number,
  linkRunId: number,
  asOf: IsoDate,
  sourcesNeeded: readonly string[],
): Promise<RunPopulation> {
  const linkage = createLinkageRepository(db);
  const validation = createValidationRepository(db);
  const sources = new Set(await validation.sourcesOfLinkRun(municipalityId, linkRunId));
  const read = [...new Set(["jumin", ...sourcesNeeded])];
  const persons = (await linkage.listPersons(municipalityId, linkRunId)).map((p) => ({
    personId: p.personId as PersonId,
    residentNos: p.residentNos,
    birthDate: p.birthDate as IsoDate | null,
    sex: (p.sex === "male" || p.sex === "female" || p.sex === "unknown"
      ? p.sex
      : null) as Sex | null,
  }));
  const rows: LinkedRow[] = [];
  const records: LinkRecord[] = [];
  const personOf: (PersonId | null)[] = [];
  const motherFacts: MotherRowFacts[] = [];
  const foreignHouseholds = new Set<string>();
  for await (const page of validation.streamLinkedRowsOf(municipalityId, linkRunId, read)) {
    for (const r of page) {
      const i = records.length;
      records.push(linkRecordOfData(r.sourceId, r.fileName, r.rowNo, r.data, r.asOf));
      personOf.push(r.personId as PersonId | null);
      const v = r.data;
      if (r.sourceId === "jumin") {
        const nationality = text(v.国籍);
        const household = text(v.世帯番号);
        // layouts.md: 国籍 blank = 日本.
        if (nationality !== null && nationality !== "日本" && household !== null) {
          if (residentOn(v, asOf)) foreignHouseholds.add(household);
        }
      }
      if (MOTHER_SOURCES.has(r.sourceId)) {
        motherFacts.push({
          record: i,
          childResidentNo: typeof v.子宛名番号 === "string" ? v.子宛名番号 : null,
          dueDate: typeof v.出産予定日 === "string" ? v.出産予定日 : null,
          checkupDate: typeof v.健診日 === "string" ? v.健診日 : null,
        });
      }
      rows.push({
        source: r.sourceId,
        file: r.fileName,
        row: r.rowNo,
        asOf: r.asOf,
        values: r.data,
        personId: r.personId as PersonId | null,
      });
    }
  }
  for (const m of linkChildrenOfMothers(records, personOf, motherFacts)) {
    const row = rows[m.record] as LinkedRow;
    rows[m.record] = { ...row, children: m.children };
  }
  const { population } = buildPopulation(persons, rows);
  return { population, foreignHouseholds, sources };
}
