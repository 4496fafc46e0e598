/**
 * 相談記録 rows keyed only by 世帯番号 (layouts.md: 宛名番号, 世帯番号 — at least
 * one of the two) are about a household, yet every item is evaluated per
 * person, so such a row is attributed to the household member its 相談分野
 * concerns, found in the registry household at the 相談日:
 *
 *  - 児童虐待 and 養護 are 児童相談 (児童福祉法 第10条・第11条; 福祉行政報告例 counts
 *    養護相談, which includes 虐待, per child): the row is the child's. When the
 *    household holds several children under 18 the row goes to the eldest (the
 *    sibling the household's child-protection file is normally opened for), but
 *    never to one of twins (which one is unknowable).
 *  - 生活困窮 (生活困窮者自立支援法: the applicant is the adult), DV (配偶者暴力防止法:
 *    the victim, the parent) and その他: the parent — the mother of the
 *    household's children, else their father.
 *  - 障がい: the child holding a disability record (障害者手帳 or 障害児支援受給者証)
 *    when exactly one child does (a 障害児相談); when no child holds one, the
 *    consultation is the parent's, as for 生活困窮; with several, unattributed.
 *
 * The 2024 pilots kept these as household items (開成町 B18/B67 相談 … :世帯,
 * reference/004); attributing them keeps the household fact on a person that
 * the household view and per-person items both find. A row whose 世帯番号 is in
 * no registry record (an old number from before a move) stays unattributed.
 */
import { type RecordList, sourceOf } from "./record-columns.ts";
import type { LinkRecord, PersonId } from "./types.ts";

/** Whom a household-keyed row is about, by its 相談分野. */
export type HouseholdSubject = "child" | "parent" | "disability";

const SUBJECT_OF_TOPIC: Readonly<Record<string, HouseholdSubject>> = {
  児童虐待: "child",
  養護: "child",
  生活困窮: "parent",
  DV: "parent",
  その他: "parent",
  障がい: "disability",
};

/** The subject of a 相談分野 value, or null for a value layouts.md does not list. */
export function householdSubjectOf(topic: string | null | undefined): HouseholdSubject | null {
  return topic ? (SUBJECT_OF_TOPIC[topic] ?? null) : null;
}

export interface HouseholdRowLink {
  readonly record: number;
  readonly person: PersonId;
}

/** Sources whose rows say a person holds a disability record (layouts.md). */
const DISABILITY_SOURCES = new Set(["shogai_techo", "shogaiji_jukyusha"]);
/** Heads of household and their spouses have 子 as children; anyone else's children are その他 / 孫. */
const PARENT_ROLES = new Set(["世帯主", "妻", "夫"]);
const CHILD_ROLES_OF_OTHERS = new Set(["その他", "孫"]);
/** A parent is at least this many years older than the child (guards the その他 fallback). */
const MIN_PARENT_AGE_YEARS = 12;
/** Children are under 18 (児童福祉法 第4条). */
const CHILD_AGE_YEARS = 18;

/** Whole years from birth to date (ISO strings). */
function ageOn(birth: string, date: string): number {
  const y = Number(date.slice(0, 4)) - Number(birth.slice(0, 4));
  return date.slice(5) < birth.slice(5) ? y - 1 : y;
}

interface Member {
  readonly person: PersonId;
  readonly record: LinkRecord;
}

/**
 * Attributes every row with a 世帯番号, a subject (`householdSubject` of its
 * `topic`) and no person identity (`personOf[i]` null) to one registry member
 * of that household as of its `eventDate` (the as-of date when missing).
 * `personOf` holds each record's person from linkRecords. Rows the rule cannot
 * decide are not returned.
 */
export function attributeHouseholdRows(
  records: RecordList,
  personOf: readonly (PersonId | null)[],
  registrySource = "jumin",
): HouseholdRowLink[] {
  const byHousehold = new Map<string, Member[]>();
  const disabled = new Set<PersonId>();
  const wanted = new Set<string>();
  for (let i = 0; i < records.length; i++) {
    if (personOf[i] != null) continue;
    const r = records.at(i) as LinkRecord;
    if (r.householdNo && householdSubjectOf(r.topic)) wanted.add(r.householdNo);
  }
  if (wanted.size === 0) return [];
  for (let i = 0; i < records.length; i++) {
    const p = personOf[i] ?? null;
    if (p === null) continue;
    const source = sourceOf(records, i);
    if (DISABILITY_SOURCES.has(source)) disabled.add(p);
    if (source !== registrySource) continue;
    const r = records.at(i) as LinkRecord;
    if (!r.householdNo || !wanted.has(r.householdNo)) continue;
    if (!r.birthDate) continue;
    const list = byHousehold.get(r.householdNo);
    if (list) list.push({ person: p, record: r });
    else byHousehold.set(r.householdNo, [{ person: p, record: r }]);
  }

  const out: HouseholdRowLink[] = [];
  for (let i = 0; i < records.length; i++) {
    if (personOf[i] != null) continue;
    const r = records.at(i) as LinkRecord;
    if (!r.householdNo) continue;
    const subject = householdSubjectOf(r.topic);
    if (subject === null) continue;
    const date = r.eventDate ?? r.asOf;
    if (!date) continue;
    const all = byHousehold.get(r.householdNo) ?? [];
    // Members on the date: resident since before it and not yet removed.
    const members = all.filter(
      (m) =>
        (m.record.birthDate as string) <= date &&
        (!m.record.residentSince || m.record.residentSince <= date) &&
        (!m.record.removedDate || m.record.removedDate > date),
    );
    const person = pickSubject(subject, members, date, disabled);
    if (person !== null) out.push({ record: i, person });
  }
  return out;
}

function pickSubject(
  subject: HouseholdSubject,
  members: readonly Member[],
  date: string,
  disabled: ReadonlySet<PersonId>,
): PersonId | null {
  const unique = (ps: readonly PersonId[]) => {
    const s = new Set(ps);
    return s.size === 1 ? (ps[0] as PersonId) : null;
  };
  const children = members.filter(
    (m) => ageOn(m.record.birthDate as string, date) < CHILD_AGE_YEARS && isChildRole(m, members),
  );
  // One of twins is never chosen: which twin a household row is about is unknowable.
  const twin = (c: Member) =>
    children.some((o) => o.person !== c.person && o.record.birthDate === c.record.birthDate);
  if (subject === "disability") {
    const holders = children.filter((m) => disabled.has(m.person));
    if (holders.length > 0) return holders.some(twin) ? null : unique(holders.map((m) => m.person));
  }
  if (subject === "child") {
    if (children.length === 0) return null;
    const eldest = children.reduce((a, b) =>
      (a.record.birthDate as string) <= (b.record.birthDate as string) ? a : b,
    );
    return twin(eldest) ? null : eldest.person;
  }
  const parents = new Map<PersonId, Member>();
  for (const c of children) for (const m of members) if (isParentOf(m, c)) parents.set(m.person, m);
  // A household without children yet (a pregnancy): the head and spouse.
  if (children.length === 0)
    for (const m of members)
      if (
        PARENT_ROLES.has(m.record.relationship ?? "") &&
        ageOn(m.record.birthDate as string, date) >= CHILD_AGE_YEARS
      )
        parents.set(m.person, m);
  const list = [...parents.values()];
  const mothers = list.filter((m) => m.record.sex === "female").map((m) => m.person);
  if (mothers.length > 0) return unique(mothers);
  return unique(list.filter((m) => m.record.sex === "male").map((m) => m.person));
}

/** A child of someone in the household: 子 of the head, or 孫 / その他 with a parent present. */
function isChildRole(c: Member, members: readonly Member[]): boolean {
  const role = c.record.relationship ?? "";
  if (role === "子") return true;
  return CHILD_ROLES_OF_OTHERS.has(role) && members.some((m) => isParentOf(m, c));
}

function isParentOf(m: Member, c: Member): boolean {
  if (m.person === c.person) return false;
  const role = m.record.relationship ?? "";
  const childRole = c.record.relationship ?? "";
  const older =
    m.record.birthDate != null &&
    ageOn(m.record.birthDate, c.record.birthDate as string) >= MIN_PARENT_AGE_YEARS;
  if (childRole === "子") return PARENT_ROLES.has(role) && older;
  return (role === "子" || role === "その他") && older && CHILD_ROLES_OF_OTHERS.has(childRole);
}
