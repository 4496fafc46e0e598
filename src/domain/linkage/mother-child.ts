/**
 * 妊婦/産婦健診 rows are keyed by the mother (layouts.md). The child a
 * row is about is its 子宛名番号 when given; otherwise, by the rule of
 * layouts.md, the child born to that mother — same 世帯, 続柄 子 of her —
 * nearest to 出産予定日 (within 60 days), or born within 120 days before the
 * 健診日. The pilots could not use these checkups for want of exactly this
 * join (2024 final report §2.5, item 14: 母親のデータと子どものデータを突合
 * する処理が必要).
 *
 * Twins: a 妊婦/産婦健診 is about a pregnancy / delivery, not one child
 * (layouts.md B14 "the pregnancy of this child"; the 産婦健診 EPDS is the
 * mother's after that delivery), so every child of that delivery gets the
 * row — by the rule (children of the mother born on the chosen date) and
 * also when 子宛名番号 names one twin: the named child plus the mother's
 * other registry children with the same birth date. layouts.md is silent on
 * twins named by number; this is our reading, the one the synthetic truth
 * (truth/related.csv, one line per twin) follows. A sibling of another
 * delivery never has the same birth date, so it is never added; when the
 * named child is not among the mother's registry children (she lives
 * elsewhere), the named child alone is returned.
 */
import { RecordColumns, type RecordList } from "./record-columns.ts";
import type { LinkRecord, PersonId } from "./types.ts";

/** What the rule needs of one mother-keyed row, beyond its link. */
export interface MotherRowFacts {
  /** Index of the row in the linked records. */
  readonly record: number;
  readonly childResidentNo?: string | null;
  /** 出産予定日 (妊婦健診). */
  readonly dueDate?: string | null;
  /** 健診日 (産婦健診). */
  readonly checkupDate?: string | null;
}

export interface MotherChildLink {
  readonly record: number;
  /** The child or children (twins); empty when none could be found. */
  readonly children: readonly PersonId[];
  /** "id": by 子宛名番号; "rule": by the birth-date rule; "none": not found. */
  readonly method: "id" | "rule" | "none";
}

/** Days between two ISO dates (b − a). */
function daysBetween(a: string, b: string): number {
  const t = (s: string) =>
    Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10)));
  return Math.round((t(b) - t(a)) / 86_400_000);
}

/** Heads of household and their spouses have 子 as children; anyone else's children are その他 / 孫. */
const PARENT_ROLES = new Set(["世帯主", "妻", "夫"]);
const CHILD_ROLES_OF_OTHERS = new Set(["その他", "孫"]);
/** A mother is at least this much older than her child (guards the その他 fallback). */
const MIN_MOTHER_AGE_DAYS = 12 * 365;

/**
 * Resolves the child of every mother-keyed row. `records` and `personOf` are
 * the linked input records and each one's person (from linkRecords); registry
 * rows are those of `registrySource`.
 */
export function linkChildrenOfMothers(
  records: RecordList,
  personOf: readonly (PersonId | null)[],
  facts: readonly MotherRowFacts[],
  registrySource = "jumin",
): MotherChildLink[] {
  if (facts.length === 0) return [];
  // Only what the rows ask about is indexed: the 子宛名番号 they name, their mothers' registry
  // rows and those rows' households. An index of every row (a metro has three million, and a
  // few tens of thousands of mother-keyed rows) was ~0.2 GB at the link stage's peak (issue 15).
  const named = new Set<string>();
  const mothers = new Set<PersonId>();
  for (const f of facts) {
    if (f.childResidentNo) named.add(f.childResidentNo);
    const m = personOf[f.record] ?? null;
    if (m !== null) mothers.add(m);
  }
  const byResidentNo = new Map<string, PersonId>();
  const registryOfPerson = new Map<PersonId, number[]>();
  const households = new Set<string>();
  const registryInHousehold: number[] = [];
  // The three fields this scan reads, from the columns when the records are held so: a record
  // object per row (three million on a metro) is garbage the scan does not need.
  const get = fieldReader(records);
  for (let i = 0; i < records.length; i++) {
    const p = personOf[i] ?? null;
    const residentNo = p === null ? null : get(i, "residentNo");
    if (p !== null && residentNo && named.has(residentNo)) byResidentNo.set(residentNo, p);
    if (get(i, "source") !== registrySource) continue;
    const householdNo = get(i, "householdNo");
    if (householdNo) registryInHousehold.push(i);
    if (p !== null && mothers.has(p)) {
      const list = registryOfPerson.get(p);
      if (list) list.push(i);
      else registryOfPerson.set(p, [i]);
      if (householdNo) households.add(householdNo);
    }
  }
  const registryByHousehold = new Map<string, number[]>();
  for (const i of registryInHousehold) {
    const h = get(i, "householdNo") as string;
    if (!households.has(h)) continue;
    const list = registryByHousehold.get(h);
    if (list) list.push(i);
    else registryByHousehold.set(h, [i]);
  }
  /** The mother's registry children (deduplicated), with the birth date of their first row. */
  const childrenOf = (mother: PersonId): { person: PersonId; birth: string }[] => {
    const candidates: { person: PersonId; birth: string }[] = [];
    for (const m of registryOfPerson.get(mother) ?? []) {
      const mr = records.at(m) as LinkRecord;
      if (!mr.householdNo) continue;
      const parent = PARENT_ROLES.has(mr.relationship ?? "");
      for (const c of registryByHousehold.get(mr.householdNo) ?? []) {
        const cr = records.at(c) as LinkRecord;
        const cp = personOf[c] ?? null;
        if (cp === null || cp === mother || !cr.birthDate) continue;
        const role = cr.relationship ?? "";
        const ok = parent
          ? role === "子"
          : CHILD_ROLES_OF_OTHERS.has(role) &&
            mr.birthDate != null &&
            daysBetween(mr.birthDate, cr.birthDate) >= MIN_MOTHER_AGE_DAYS;
        if (ok && !candidates.some((x) => x.person === cp))
          candidates.push({ person: cp, birth: cr.birthDate });
      }
    }
    return candidates;
  };
  return facts.map((f): MotherChildLink => {
    const mother = personOf[f.record] ?? null;
    const candidates = mother === null ? [] : childrenOf(mother);
    if (f.childResidentNo) {
      const child = byResidentNo.get(f.childResidentNo);
      if (child) {
        // The named child first, then its co-born siblings (twins) among the mother's children.
        const birth = candidates.find((c) => c.person === child)?.birth;
        const twins = candidates
          .filter((c) => birth !== undefined && c.birth === birth && c.person !== child)
          .map((c) => c.person);
        return { record: f.record, children: [child, ...twins], method: "id" };
      }
    }
    if (mother === null) return { record: f.record, children: [], method: "none" };
    let best: { distance: number; birth: string } | null = null;
    for (const c of candidates) {
      let distance: number | null = null;
      if (f.dueDate) {
        const d = Math.abs(daysBetween(f.dueDate, c.birth));
        if (d <= 60) distance = d;
      } else if (f.checkupDate) {
        const d = daysBetween(c.birth, f.checkupDate);
        if (d >= 0 && d <= 120) distance = d;
      }
      if (distance !== null && (best === null || distance < best.distance))
        best = { distance, birth: c.birth };
    }
    if (best === null) return { record: f.record, children: [], method: "none" };
    const birth = best.birth;
    const children = candidates.filter((c) => c.birth === birth).map((c) => c.person);
    return { record: f.record, children, method: "rule" };
  });
}

/** Row i's source, 宛名番号 or 世帯番号: from the columns of a RecordColumns, else from at(i). */
function fieldReader(
  records: RecordList,
): (i: number, field: "source" | "residentNo" | "householdNo") => string | null {
  if (records instanceof RecordColumns) {
    const columns = records;
    const f = {
      source: RecordColumns.field("source"),
      residentNo: RecordColumns.field("residentNo"),
      householdNo: RecordColumns.field("householdNo"),
    };
    const values = {
      source: columns.valuesOf(f.source),
      residentNo: columns.valuesOf(f.residentNo),
      householdNo: columns.valuesOf(f.householdNo),
    };
    return (i, field) => {
      const c = columns.codeAt(i, f[field]);
      return c < 0 ? null : ((values[field][c] as string | undefined) ?? null);
    };
  }
  return (i, field) => (records.at(i) as LinkRecord)[field] ?? null;
}
