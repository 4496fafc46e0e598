/**
 * Builds the true population of a synthetic municipality: households with children (and
 * couples expecting their first), their residence history, 宛名番号 / 世帯番号, latent
 * difficulties and the facts (certificates, registrations, care levels) that department files
 * are written from. Pure and seeded; see model.ts for every rate.
 */
import { addYears, ageOn, type Day, dayOf, schoolGradeOn, ymdOf } from "./calendar.ts";
import {
  ABUSE,
  ADULT_DISABILITY,
  ALIAS_SHARE,
  BIT,
  CARE_BY_AGE,
  DEVELOPMENTAL,
  HOUSEHOLD,
  NAME_CHANGE,
  POSTPARTUM,
  POVERTY,
  TRUANCY,
  VARIANT_RATE,
  YOUNG_CARER,
} from "./model.ts";
import {
  foreignFamilyName,
  foreignGivenName,
  isKanjiNationality,
  NATIONALITIES,
  NameChooser,
  type NameEntry,
  type NamePools,
  registryVariant,
} from "./names.ts";
import type { Profile } from "./profiles.ts";
import { logistic, Rng } from "./random.ts";
import type {
  Disability,
  District,
  Household,
  HouseholdKind,
  Person,
  Pregnancy,
  Relation,
  Role,
  Sex,
  Stay,
  World,
} from "./world.ts";

export interface WorldInput {
  readonly profile: Profile;
  readonly seed: number;
  readonly asOf: Day;
  readonly names: NamePools;
}

const YEAR = 365.25;

const TOWN_STEMS = [
  "桜",
  "緑",
  "若葉",
  "旭",
  "朝日",
  "青葉",
  "栄",
  "本",
  "富士見",
  "日吉",
  "松原",
  "平和",
  "大和",
  "清水",
  "高砂",
  "春日",
  "美園",
  "泉",
  "弥生",
  "千代",
  "寿",
  "末広",
  "宮",
  "柳",
  "梅",
  "藤",
  "菊",
  "杉",
  "榎",
  "白山",
  "光",
  "花園",
  "見晴",
  "山手",
  "港",
  "浜",
  "川端",
  "中島",
  "北野",
  "南原",
];
const TOWN_SUFFIXES = ["町", "が丘", "台", "野", "原", "ヶ崎"];
const NURSERY_FORMS = ["{}保育園", "{}幼稚園", "認定こども園{}", "{}こども園", "{}保育所"];

/** Builds the whole world. Deterministic for (profile, seed, asOf, names). */
export function buildWorld(input: WorldInput): World {
  const { profile, seed, asOf, names } = input;
  const rng = Rng.derive(seed, `world:${profile.id}`);
  const nameRng = Rng.derive(seed, "names");
  const chooser = new NameChooser(names, Rng.derive(seed, "name-tables"));
  const periodStart = addYears(asOf, -1);
  const extractStart = addYears(asOf, -3);
  const sanpuStart = Math.max(dayOf(2017, 4, 1), addYears(asOf, -10));

  const districts = makeDistricts(profile, Rng.derive(seed, "districts"));
  const b = new Builder(profile, rng, nameRng, chooser, asOf, periodStart, districts);

  // Households resident on the as-of date, until the children 0–18 reach the profile size.
  let children = 0;
  while (children < profile.children) children += b.household(asOf, false);
  const current = b.households.length;
  // Households that left during the registry extract window (3 years): they are in the
  // registry as removed (消除) and in the history of other departments.
  const leavers = Math.round(current * profile.moveRate * 3);
  for (let i = 0; i < leavers; i++) {
    const out = extractStart + rng.int(asOf - extractStart);
    b.household(out, true);
  }
  // Couples expecting their first child: pregnancies due in the 9 months after as-of.
  const births = b.persons.filter(
    (p) => p.role === "child" && p.birth >= periodStart && p.birth < asOf,
  ).length;
  const expecting = Math.round(births * 0.42 * 0.75);
  for (let i = 0; i < expecting; i++) b.expectingCouple();

  const world: World = {
    profile,
    seed,
    asOf,
    periodStart,
    extractStart,
    sanpuStart,
    persons: b.persons,
    households: b.households,
    pregnancies: b.pregnancies,
    districts,
  };
  assignNumbers(world, Rng.derive(seed, "numbers"));
  assignLatents(world, Rng.derive(seed, "latents"));
  assignFacts(world, Rng.derive(seed, "facts"));
  assignNameChanges(world, chooser, Rng.derive(seed, "name-changes"));
  assignAliases(world, chooser, Rng.derive(seed, "aliases"));
  return world;
}

function makeDistricts(profile: Profile, rng: Rng): District[] {
  const n = profile.elementarySchools;
  const stems = rng.shuffle([...TOWN_STEMS]);
  const jhStems = rng.shuffle([...TOWN_STEMS]);
  const nurseriesPer = Math.max(1, Math.round(profile.nurseries / n));
  const out: District[] = [];
  for (let i = 0; i < n; i++) {
    const stem = stems[i % stems.length] as string;
    const suffix = TOWN_SUFFIXES[Math.floor(i / stems.length) % TOWN_SUFFIXES.length] as string;
    const town =
      Math.floor(i / stems.length) === 0 && n <= stems.length ? `${stem}町` : `${stem}${suffix}`;
    const ward =
      profile.wards.length > 0 ? (profile.wards[i % profile.wards.length] as string) : "";
    const jh = Math.floor((i * profile.juniorHighSchools) / n);
    const jhStem = jhStems[jh % jhStems.length] as string;
    const jhName =
      profile.juniorHighSchools === 1
        ? `${profile.municipality}立中学校`
        : `${jhStem}${jh >= jhStems.length ? "第二" : ""}中学校`;
    const elemName =
      n === 1 ? `${profile.municipality}立小学校` : `${town.replace(/町$/, "")}小学校`;
    const nurseries: string[] = [];
    for (let k = 0; k < nurseriesPer; k++) {
      const form = NURSERY_FORMS[(i + k) % NURSERY_FORMS.length] as string;
      nurseries.push(
        form.replace(
          "{}",
          k === 0 ? town.replace(/町$/, "") : `${town.replace(/町$/, "")}第${k + 1}`,
        ),
      );
    }
    out.push({ index: i, town, ward, elementary: elemName, juniorHigh: jhName, nurseries });
  }
  return out;
}

interface Birth {
  day: Day;
  twins: boolean;
}

/** Mutable state while households are added. */
class Builder {
  readonly persons: Person[] = [];
  readonly households: Household[] = [];
  readonly pregnancies: Pregnancy[] = [];
  /** Recent children by sex and birth year, for the homonym trap. */
  private readonly recent = new Map<string, number[]>();

  constructor(
    readonly profile: Profile,
    readonly rng: Rng,
    readonly nameRng: Rng,
    readonly chooser: NameChooser,
    readonly asOf: Day,
    readonly periodStart: Day,
    readonly districts: District[],
  ) {}

  /**
   * Adds one household with children living here on `ref` (as-of, or the move-out day of a
   * leaver). Returns the number of its children aged 0–18 resident on as-of.
   */
  household(ref: Day, leaver: boolean): number {
    const rng = this.rng;
    const u = rng.float();
    const kind: HouseholdKind =
      u < HOUSEHOLD.singleMother
        ? "single_mother"
        : u < HOUSEHOLD.singleMother + HOUSEHOLD.singleFather
          ? "single_father"
          : "two_parent";
    const f = rng.float();
    const foreign: Household["foreign"] =
      f < this.profile.foreignShare
        ? "all"
        : f < this.profile.foreignShare + this.profile.mixedShare && kind !== "single_father"
          ? "mixed"
          : "none";
    const nationality =
      foreign === "none"
        ? ""
        : (NATIONALITIES[rng.weighted(NATIONALITIES.map((n) => n[1]))] as [string, number])[0];
    const threeGeneration = rng.chance(
      this.profile.threeGenerationShare * (foreign === "all" ? 0.3 : 1),
    );

    // Children: the eldest's age on `ref`, then siblings at intervals of 1.3 years + Exp(1.7).
    let births: Birth[] = [];
    let motherAgeAtFirst = 0;
    for (let attempt = 0; ; attempt++) {
      const eldestAge = rng.float() * 25;
      const first = Math.round(ref - eldestAge * YEAR);
      motherAgeAtFirst = clamp(
        HOUSEHOLD.firstBirthAgeMean + HOUSEHOLD.firstBirthAgeSd * rng.normal(),
        17,
        44,
      );
      const planned = 1 + rng.weighted(HOUSEHOLD.plannedChildren);
      births = [];
      let t = first;
      for (let i = 0; i < planned; i++) {
        if (t >= ref || motherAgeAtFirst + (t - first) / YEAR > 45) break;
        births.push({ day: t, twins: rng.chance(HOUSEHOLD.twinDelivery) });
        t += Math.round((1.3 + rng.exponential(1.7)) * YEAR);
      }
      if (births.some((x) => ageOn(x.day, ref) <= 18) || attempt > 50) break;
    }
    const firstBirth = (births[0] as Birth).day;
    const motherBirth = Math.round(firstBirth - motherAgeAtFirst * YEAR - rng.int(365));
    const fatherBirth = Math.round(motherBirth - clamp(2 + 3.5 * rng.normal(), -5, 15) * YEAR);

    const hh: Household = {
      id: this.households.length,
      kind,
      threeGeneration,
      splitRegistry: threeGeneration && rng.chance(HOUSEHOLD.splitRegistry),
      foreign,
      nationality,
      members: [],
      stays: [],
      relocation: null,
      poverty: false,
      nearPoor: false,
      welfare: null,
      jidoFuyo: null,
      singleSince: firstBirth,
      dv: false,
      familialDevelopmental: false,
      parentMental: false,
      parentDisability: false,
      careNeed: false,
      movedIn: false,
      youngMother: motherAgeAtFirst < 22,
      abuseLogit: 0,
      consultations: [],
    };
    this.households.push(hh);

    // Names. Japanese households share the father's family name; see model.ts for single mothers.
    const nameOf = this.familyNames(hh);
    const hasMother = kind !== "single_father";
    const hasFather = kind !== "single_mother";
    const mother = hasMother
      ? this.person(hh, "mother", 2, motherBirth, nameOf.mother, foreign !== "none")
      : -1;
    const father = hasFather
      ? this.person(hh, "father", 1, fatherBirth, nameOf.father, foreign === "all")
      : -1;
    if (kind === "single_mother") {
      // Divorce (or never married) some time after the first birth.
      hh.singleSince = rng.chance(0.12)
        ? firstBirth
        : Math.round(firstBirth + rng.float() * Math.max(1, ref - firstBirth));
    }

    // Grandparents: the father's parents (same family name) or the mother's.
    if (threeGeneration) {
      const paternal = kind === "single_father" || (kind === "two_parent" && rng.chance(0.75));
      const parentBirth = paternal ? fatherBirth : motherBirth;
      const gName = paternal ? nameOf.father : nameOf.maiden;
      const gfAlive = rng.chance(0.75);
      const gmAlive = !gfAlive || rng.chance(0.9);
      const gBase = Math.round(parentBirth - clamp(29 + 3 * rng.normal(), 20, 42) * YEAR);
      if (gfAlive)
        this.person(
          hh,
          "grandfather",
          1,
          Math.round(gBase - clamp(2 + 3 * rng.normal(), -3, 10) * YEAR),
          gName,
          foreign === "all",
        );
      if (gmAlive) this.person(hh, "grandmother", 2, gBase, gName, foreign === "all");
    }

    // Children.
    let counted = 0;
    let order = 0;
    for (const birth of births) {
      const n = birth.twins ? 2 : 1;
      const ids: number[] = [];
      for (let k = 0; k < n; k++) {
        const age = ageOn(birth.day, ref);
        if (age > 18 && (age > 24 || !rng.chance(0.5))) continue;
        const sex: Sex = rng.chance(0.512) ? 1 : 2;
        const id = this.person(hh, "child", sex, birth.day, nameOf.children, foreign === "all");
        const p = this.persons[id] as Person;
        p.motherId = mother;
        p.fatherId = father;
        ids.push(id);
        order++;
        if (!leaver && age <= 18) counted++;
      }
      if (ids.length === 2) {
        const [a, c] = ids as [number, number];
        (this.persons[a] as Person).twinId = c;
        (this.persons[c] as Person).twinId = a;
      }
      if (mother >= 0 && ids.length > 0) this.pregnancy(mother, birth, ids);
    }
    if (order > 0 && rng.chance(HOUSEHOLD.homonym)) this.makeHomonym(hh);
    for (const id of hh.members) {
      const p = this.persons[id] as Person;
      if (p.role === "child") this.remember(p);
    }

    // A further pregnancy due after as-of, for current households with a young enough mother.
    const motherAgeNow = ageOn(motherBirth, this.asOf);
    const lastBirth = (births[births.length - 1] as Birth).day;
    if (
      !leaver &&
      mother >= 0 &&
      motherAgeNow >= 18 &&
      motherAgeNow <= 43 &&
      this.asOf - lastBirth > YEAR &&
      rng.chance(0.045)
    ) {
      this.pregnancy(mother, { day: this.asOf + 1 + rng.int(270), twins: false }, []);
    }
    if (mother >= 0 && rng.chance(HOUSEHOLD.pregnancyWithoutBirth * births.length * 0.5)) {
      // A pregnancy notified that did not end in a birth here (miscarriage, or birth elsewhere).
      const day = Math.round(
        firstBirth + rng.float() * Math.max(1, Math.min(ref, this.asOf) - firstBirth),
      );
      if (day < this.asOf - 200) this.pregnancy(mother, { day, twins: false }, [], true);
    }

    this.residence(hh, ref, leaver, firstBirth, Math.max(motherBirth, fatherBirth));
    return counted;
  }

  /** A couple without children expecting their first, due in the 9 months after as-of. */
  expectingCouple(): void {
    const rng = this.rng;
    const foreign: Household["foreign"] = rng.chance(this.profile.foreignShare) ? "all" : "none";
    const nationality =
      foreign === "all"
        ? (NATIONALITIES[rng.weighted(NATIONALITIES.map((n) => n[1]))] as [string, number])[0]
        : "";
    const hh: Household = {
      id: this.households.length,
      kind: "expecting",
      threeGeneration: false,
      splitRegistry: false,
      foreign,
      nationality,
      members: [],
      stays: [],
      relocation: null,
      poverty: false,
      nearPoor: false,
      welfare: null,
      jidoFuyo: null,
      singleSince: 0,
      dv: false,
      familialDevelopmental: false,
      parentMental: false,
      parentDisability: false,
      careNeed: false,
      movedIn: false,
      youngMother: false,
      abuseLogit: 0,
      consultations: [],
    };
    this.households.push(hh);
    const due = this.asOf + 1 + rng.int(270);
    const motherAge = clamp(
      HOUSEHOLD.firstBirthAgeMean + HOUSEHOLD.firstBirthAgeSd * rng.normal(),
      17,
      44,
    );
    const motherBirth = Math.round(due - motherAge * YEAR);
    const fatherBirth = Math.round(motherBirth - clamp(2 + 3.5 * rng.normal(), -5, 15) * YEAR);
    const names = this.familyNames(hh);
    const mother = this.person(hh, "mother", 2, motherBirth, names.mother, foreign !== "none");
    this.person(hh, "father", 1, fatherBirth, names.father, foreign === "all");
    this.pregnancy(mother, { day: due, twins: false }, []);
    this.residence(hh, this.asOf, false, due, Math.max(motherBirth, fatherBirth));
  }

  private familyNames(hh: Household): {
    father: FamilyName;
    mother: FamilyName;
    maiden: FamilyName;
    children: FamilyName;
  } {
    const rng = this.nameRng;
    if (hh.foreign === "all") {
      const f = foreignFamilyName(hh.nationality, rng);
      const m = foreignFamilyName(hh.nationality, rng);
      const father: FamilyName = { kanji: f[0], kana: f[1], alt: f[2] ?? "" };
      // Chinese, Korean and Vietnamese wives keep their own family name.
      const keeps =
        hh.nationality === "中国" || hh.nationality === "韓国" || hh.nationality === "ベトナム";
      const mother: FamilyName = keeps ? { kanji: m[0], kana: m[1], alt: m[2] ?? "" } : father;
      return {
        father,
        mother,
        maiden: mother,
        children: hh.kind === "single_mother" ? mother : father,
      };
    }
    const s = this.japaneseFamily();
    const maiden = this.japaneseFamily();
    if (hh.foreign === "mixed") {
      const m = foreignFamilyName(hh.nationality, rng);
      const mother: FamilyName = { kanji: m[0], kana: m[1], alt: m[2] ?? "" };
      return { father: s, mother, maiden: mother, children: s };
    }
    if (hh.kind === "single_mother") {
      const reverted = rng.chance(HOUSEHOLD.singleMotherMaidenName);
      const mother = reverted ? maiden : s;
      return {
        father: s,
        mother,
        maiden,
        children: reverted && rng.chance(HOUSEHOLD.childrenTakeMotherName) ? maiden : s,
      };
    }
    return { father: s, mother: s, maiden, children: s };
  }

  private japaneseFamily(): FamilyName {
    const e: NameEntry = this.chooser.familyName(this.nameRng);
    return {
      kanji: registryVariant(e.kanji, VARIANT_RATE.family, this.nameRng),
      kana: e.kana,
      alt: "",
    };
  }

  private person(
    hh: Household,
    role: Role,
    sex: Sex,
    birth: Day,
    family: FamilyName,
    foreignName: boolean,
  ): number {
    const rng = this.nameRng;
    const id = this.persons.length;
    let given: string;
    let givenKana: string;
    let alphabet = false;
    let nationality = "";
    // Siblings never share a given name: a birth registration giving a child the name of
    // someone already in the same 戸籍 is not accepted (戸籍実務), so twins always differ in
    // name — the issue's own definition of twins ("different given names"). Names are compared
    // by reading, so two 異体字 of one name (里絵子 / 里繪子) count as the same name.
    const siblingReadings = new Set<string>();
    if (role === "child") {
      for (const m of hh.members) {
        const other = this.persons[m] as Person;
        if (other.role === "child") siblingReadings.add(other.givenKana);
      }
    }
    for (let attempt = 0; ; attempt++) {
      if (foreignName) {
        nationality = hh.nationality;
        const g = foreignGivenName(hh.nationality, sex, rng);
        given = g[0];
        givenKana = g[1];
        alphabet = !isKanjiNationality(hh.nationality);
      } else {
        const g = this.chooser.givenName(rng, sex, role === "child");
        given = registryVariant(g.kanji, VARIANT_RATE.given, rng);
        givenKana = g.kana;
      }
      // The pools hold hundreds of names per sex; 50 draws only guard against a tiny test pool.
      if (!siblingReadings.has(givenKana) || attempt >= 50) break;
    }
    const p: Person = {
      id,
      hh: hh.id,
      role,
      sex,
      birth,
      family: family.kanji,
      familyKana: family.kana,
      given,
      givenKana,
      familyKanaAlt: family.alt,
      nationality,
      alphabetName: alphabet,
      motherId: -1,
      fatherId: -1,
      twinId: -1,
      stints: [],
      difficulties: 0,
      applicable: 0,
      disabilities: [],
      careLevel: 0,
      careStart: 0,
      pregnancy: -1,
      specialClass: false,
      jukyushaDecisions: [],
      jukyushaNo: "",
      yotaikyo: null,
      ichijiHogo: [],
      outsideSchool: false,
      formerFamily: null,
      alias: null,
    };
    this.persons.push(p);
    hh.members.push(id);
    return id;
  }

  private pregnancy(mother: number, birth: Birth, children: number[], lost = false): void {
    const rng = this.rng;
    // Twins are born early: due date 10–40 days after birth; singletons ±1 week around it.
    const due =
      children.length === 0 && !lost
        ? birth.day
        : birth.day + (birth.twins ? 10 + rng.int(31) : Math.round(6 * rng.normal()));
    const notified = due - 170 - rng.int(60);
    const id = this.pregnancies.length;
    this.pregnancies.push({ id, mother, notified, due, children, postpartum: false });
    for (const c of children) (this.persons[c] as Person).pregnancy = id;
  }

  /** Gives one child the family and given name of an unrelated earlier child born the same year. */
  private makeHomonym(hh: Household): void {
    const kids = hh.members
      .map((id) => this.persons[id] as Person)
      .filter((p) => p.role === "child" && p.nationality === "");
    if (kids.length === 0) return;
    const kid = this.rng.pick(kids);
    const pool = this.recent.get(`${kid.sex}:${ymdOf(kid.birth)[0]}`);
    if (!pool || pool.length === 0) return;
    const other = this.persons[this.rng.pick(pool)] as Person;
    if (other.hh === hh.id || other.nationality !== "") return;
    // Never give a child the name of its own sibling (see `person`).
    if (kids.some((k) => k !== kid && k.givenKana === other.givenKana)) return;
    kid.given = other.given;
    kid.givenKana = other.givenKana;
    kid.family = other.family;
    kid.familyKana = other.familyKana;
  }

  private remember(p: Person): void {
    const key = `${p.sex}:${ymdOf(p.birth)[0]}`;
    let list = this.recent.get(key);
    if (!list) {
      list = [];
      this.recent.set(key, list);
    }
    if (list.length < 64) list.push(p.id);
    else list[this.rng.int(64)] = p.id;
  }

  /**
   * Residence history: native, moved in earlier, moved in during the period, or moved out and
   * back (two stays). `ref` is as-of for current households, the move-out day for leavers.
   */
  private residence(
    hh: Household,
    ref: Day,
    leaver: boolean,
    firstBirth: Day,
    parentsBirth: Day,
  ): void {
    const rng = this.rng;
    const adult = addYears(parentsBirth, 20);
    const district = () => rng.int(this.districts.length);
    const address = (d: number) => this.address(d);
    const earliest = Math.max(adult, firstBirth - Math.round(6 * YEAR));
    const native = () =>
      Math.min(firstBirth, earliest + rng.int(Math.max(1, firstBirth - earliest + 1)));
    const to = leaver ? ref : null;
    const end = leaver ? ref : this.asOf;
    if (!leaver && hh.kind !== "expecting" && rng.chance(HOUSEHOLD.returned)) {
      // Moved out and back: the second stay began within the last 5 years, after 0.5–6 years away.
      const back = Math.max(firstBirth + 30, this.asOf - 1 - rng.int(Math.round(5 * YEAR)));
      const away = Math.round((0.5 + rng.float() * 5.5) * YEAR);
      const left = back - away;
      const from = Math.min(native(), left - 200);
      const d1 = district();
      const d2 = district();
      hh.stays.push({
        from,
        to: left,
        householdNo: "",
        grandHouseholdNo: "",
        district: d1,
        address: address(d1),
      });
      hh.stays.push({
        from: back,
        to: null,
        householdNo: "",
        grandHouseholdNo: "",
        district: d2,
        address: address(d2),
      });
      hh.movedIn = back >= this.periodStart;
      return;
    }
    let from: Day;
    const x = rng.float();
    if (!leaver && x < this.profile.moveRate) {
      from = this.periodStart + rng.int(this.asOf - this.periodStart);
      hh.movedIn = true;
    } else if (x < 0.35) {
      // Moved in before the data period (current households; arrivals in the period are the
      // branch above, so that moveRate is the yearly rate) or any time before leaving.
      const lo = Math.max(earliest, firstBirth - Math.round(2 * YEAR));
      const hi = leaver ? end - 30 : this.periodStart;
      from = lo + rng.int(Math.max(1, hi - lo));
      hh.movedIn = from >= this.periodStart;
    } else {
      from = native();
    }
    if (from >= end) from = end - 30;
    const d = district();
    hh.stays.push({
      from,
      to,
      householdNo: "",
      grandHouseholdNo: "",
      district: d,
      address: address(d),
    });
    if (!leaver && rng.chance(this.profile.internalMoveRate)) {
      const day = Math.max(from + 1, this.periodStart + rng.int(this.asOf - this.periodStart));
      if (day < this.asOf) {
        const nd = district();
        hh.relocation = { day, district: nd, address: address(nd) };
      }
    }
  }

  private address(d: number): string {
    const dist = this.districts[d] as District;
    const rng = this.rng;
    return `${this.profile.municipality}${dist.ward}${dist.town}${1 + rng.int(5)}丁目${1 + rng.int(30)}-${1 + rng.int(25)}`;
  }
}

interface FamilyName {
  kanji: string;
  kana: string;
  alt: string;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/**
 * 宛名番号 for every stint and 世帯番号 for every stay, issued in registration order (as a
 * registry issues them), with gaps for the residents outside the extract. Relations (続柄) are
 * set per registry household.
 */
function assignNumbers(world: World, rng: Rng): void {
  const { persons, households } = world;
  for (const hh of households) {
    hh.stays.forEach((stay, s) => {
      for (const id of hh.members) {
        const p = persons[id] as Person;
        if (stay.to !== null && p.birth >= stay.to) continue;
        const from = Math.max(stay.from, p.birth);
        p.stints.push({
          residentNo: "",
          householdNo: "",
          from,
          to: stay.to,
          relation: relationOf(hh, p, persons),
          stay: s,
        });
      }
    });
  }
  const stints = persons.flatMap((p) => p.stints.map((st) => ({ p, st })));
  stints.sort((a, b) => a.st.from - b.st.from || a.p.id - b.p.id);
  // Registry numbers: 9 digits; about one number in five goes to a resident outside the extract.
  let next = 100_000_000 + rng.int(50_000);
  for (const { st } of stints) {
    next += 1 + (rng.chance(0.8) ? 0 : rng.int(10));
    st.residentNo = String(next);
  }
  const stays = households.flatMap((hh) => hh.stays.map((stay) => ({ hh, stay })));
  stays.sort((a, b) => a.stay.from - b.stay.from || a.hh.id - b.hh.id);
  let hno = 30_000_000 + rng.int(50_000);
  for (const { hh, stay } of stays) {
    hno += 1 + rng.int(6);
    stay.householdNo = String(hno);
    if (hh.splitRegistry) {
      hno += 1 + rng.int(3);
      stay.grandHouseholdNo = String(hno);
    }
  }
  for (const p of persons) {
    const hh = households[p.hh] as Household;
    for (const st of p.stints) {
      const stay = hh.stays[st.stay] as Stay;
      const grand = p.role === "grandfather" || p.role === "grandmother";
      st.householdNo = grand && hh.splitRegistry ? stay.grandHouseholdNo : stay.householdNo;
    }
  }
}

/** 続柄 relative to the registry head of household. */
function relationOf(hh: Household, p: Person, persons: Person[]): Relation {
  const roles = new Set(hh.members.map((id) => (persons[id] as Person).role));
  const grand = p.role === "grandfather" || p.role === "grandmother";
  if (hh.splitRegistry && grand) {
    if (p.role === "grandfather") return "世帯主";
    return roles.has("grandfather") ? "妻" : "世帯主";
  }
  // A grandparent heads the registry household in half of the unsplit three-generation homes
  // (hh.id parity keeps the choice stable without another random draw).
  const grandHead = hh.threeGeneration && !hh.splitRegistry && hh.id % 2 === 0;
  if (grandHead) {
    const paternalLine = roles.has("father");
    switch (p.role) {
      case "grandfather":
        return "世帯主";
      case "grandmother":
        return roles.has("grandfather") ? "妻" : "世帯主";
      case "father":
        return "子";
      case "mother":
        return paternalLine ? "その他" : "子";
      default:
        return "その他";
    }
  }
  switch (p.role) {
    case "father":
      return "世帯主";
    case "mother":
      return roles.has("father") ? "妻" : "世帯主";
    case "child":
      return "子";
    case "grandfather":
      return roles.has("father") && hh.kind !== "single_mother" ? "父" : "その他";
    case "grandmother":
      return roles.has("father") && hh.kind !== "single_mother" ? "母" : "その他";
  }
}

function members(world: World, hh: Household): Person[] {
  return hh.members.map((id) => world.persons[id] as Person);
}

/** Latent household factors and per-child difficulties (model.ts). */
function assignLatents(world: World, rng: Rng): void {
  const { asOf } = world;
  for (const hh of world.households) {
    const ms = members(world, hh);
    const kids = ms.filter((p) => p.role === "child");
    const single = hh.kind === "single_mother" || hh.kind === "single_father";

    // Adults' certificates and care needs.
    for (const p of ms) {
      if (p.role === "child") continue;
      const grand = p.role === "grandfather" || p.role === "grandmother";
      const issued = (age: number) => Math.min(asOf - 30, addYears(p.birth, age) + rng.int(3650));
      if (grand) {
        if (rng.chance(ADULT_DISABILITY.grandparentPhysical))
          p.disabilities.push(physical(rng, issued(55)));
        if (rng.chance(ADULT_DISABILITY.grandparentMental))
          p.disabilities.push(mental(rng, issued(40), "adult"));
        const age = ageOn(p.birth, asOf);
        let pc = 0;
        for (const [a, q] of CARE_BY_AGE) if (age >= a) pc = q;
        if (rng.chance(pc)) {
          p.careLevel = 1 + rng.weighted([14, 14, 20, 17, 13, 12, 10]);
          p.careStart = asOf - 30 - rng.int(1500);
        }
      } else {
        const mentalP =
          ADULT_DISABILITY.parentMental * (single ? ADULT_DISABILITY.singleParentMentalFactor : 1);
        if (rng.chance(ADULT_DISABILITY.parentPhysical))
          p.disabilities.push(physical(rng, issued(18)));
        if (rng.chance(ADULT_DISABILITY.parentIntellectual))
          p.disabilities.push(intellectual(rng, addYears(p.birth, 4 + rng.int(10))));
        if (rng.chance(mentalP)) {
          p.disabilities.push(mental(rng, issued(20), "adult"));
          hh.parentMental = true;
        }
        // Younger adults needing care (介護保険 2号, or severe disability): rare.
        if (rng.chance(0.002)) {
          p.careLevel = 3 + rng.int(5);
          p.careStart = asOf - 30 - rng.int(1500);
        }
      }
      if (p.disabilities.some((d) => d.status === "有効")) hh.parentDisability = true;
      if (p.careLevel > 0 || p.disabilities.some((d) => d.status === "有効" && severe(d)))
        hh.careNeed = true;
    }

    // Poverty, welfare, 児童扶養手当, DV.
    const young = kids.filter((k) => ageOn(k.birth, asOf) < 6).length;
    let lp = POVERTY.base;
    if (hh.kind === "single_mother") lp += POVERTY.singleMother;
    if (hh.kind === "single_father") lp += POVERTY.singleFather;
    if (hh.foreign === "all") lp += POVERTY.foreign;
    if (hh.parentMental) lp += POVERTY.parentMental;
    if (hh.parentDisability) lp += POVERTY.parentDisability;
    if (hh.threeGeneration) lp += POVERTY.threeGeneration;
    if (kids.length >= 3) lp += POVERTY.threeOrMoreChildren;
    if (hh.youngMother) lp += POVERTY.youngMother;
    hh.poverty = rng.chance(logistic(lp));
    hh.nearPoor = !hh.poverty && rng.chance(POVERTY.nearPoor);
    const firstStay = hh.stays[0] as Stay;
    if (
      hh.poverty &&
      rng.chance(hh.parentMental || hh.parentDisability ? POVERTY.welfareIfMental : POVERTY.welfare)
    ) {
      hh.welfare = { start: Math.max(firstStay.from, asOf - 30 - rng.int(3000)), end: null };
    } else if ((hh.poverty || hh.nearPoor) && rng.chance(POVERTY.formerWelfare * 3)) {
      const start = Math.max(firstStay.from, asOf - 400 - rng.int(3000));
      hh.welfare = { start, end: Math.min(asOf - 1, start + 180 + rng.int(1000)) };
    }
    if (single && kids.some((k) => ageOn(k.birth, asOf) <= 18)) {
      hh.jidoFuyo = hh.poverty
        ? rng.chance(0.75)
          ? "全部支給"
          : "一部支給"
        : (([null, "一部支給", "全部停止"] as const)[rng.weighted([0.3, 0.45, 0.25])] ?? null);
    }
    hh.dv =
      hh.kind === "single_mother"
        ? rng.chance(0.15)
        : hh.poverty
          ? rng.chance(0.03)
          : rng.chance(0.003);
    hh.familialDevelopmental = rng.chance(DEVELOPMENTAL.familialShare);

    // Abuse: household-shared log-odds (random effect + factors), child effects added below.
    let la = ABUSE.base + ABUSE.householdSd * rng.normal();
    if (hh.poverty) la += ABUSE.poverty;
    if (single) la += ABUSE.single;
    if (hh.parentMental) la += ABUSE.parentMental;
    if (hh.dv) la += ABUSE.dv;
    if (hh.youngMother) la += ABUSE.youngMother;
    if (hh.foreign !== "none") la += ABUSE.foreign;
    if (hh.movedIn) la += ABUSE.movedIn;
    if (young >= 2) la += ABUSE.preschoolers;
    hh.abuseLogit = la;
  }

  // Postpartum depression per pregnancy with a birth.
  for (const preg of world.pregnancies) {
    if (preg.children.length === 0) continue;
    const mother = world.persons[preg.mother] as Person;
    const hh = world.households[mother.hh] as Household;
    let l = POSTPARTUM.base;
    if (hh.poverty) l += POSTPARTUM.poverty;
    if (hh.kind === "single_mother") l += POSTPARTUM.single;
    if (mother.disabilities.some((d) => d.kind === "精神")) l += POSTPARTUM.mental;
    if (hh.foreign !== "none") l += POSTPARTUM.foreign;
    if (preg.children.length > 1) l += POSTPARTUM.twins;
    if (ageOn(mother.birth, preg.due) < 22) l += POSTPARTUM.youngMother;
    preg.postpartum = rng.chance(logistic(l));
  }

  for (const hh of world.households) {
    const ms = members(world, hh);
    const kids = ms.filter((p) => p.role === "child");
    const single = hh.kind === "single_mother" || hh.kind === "single_father";
    const parentDevRisk = ms.some(
      (p) => p.role !== "child" && p.disabilities.some((d) => d.kind !== "身体"),
    );
    const eldest = kids.reduce<Person | undefined>(
      (e, k) => (e === undefined || k.birth < e.birth ? k : e),
      undefined,
    );
    const preschoolers = kids.filter((k) => ageOn(k.birth, asOf) < 6).length;
    for (const k of kids) {
      const age = ageOn(k.birth, asOf);
      let bits = 0;
      let applicable = BIT.abuse | BIT.poverty | BIT.developmental;
      if (hh.poverty) bits |= BIT.poverty;
      let ld = DEVELOPMENTAL.base;
      if (k.sex === 1) ld += DEVELOPMENTAL.male;
      if (hh.familialDevelopmental) ld += DEVELOPMENTAL.familial;
      if (parentDevRisk) ld += DEVELOPMENTAL.parentDisability;
      if (k.twinId >= 0) ld += DEVELOPMENTAL.twin;
      if (hh.poverty) ld += DEVELOPMENTAL.poverty;
      // Twins share most developmental risk: the second copies the first with 60 %.
      const twin = k.twinId >= 0 ? (world.persons[k.twinId] as Person) : undefined;
      const dev =
        twin && twin.id < k.id && rng.chance(0.6)
          ? (twin.difficulties & BIT.developmental) !== 0
          : rng.chance(logistic(ld));
      if (dev) bits |= BIT.developmental;

      const preg = k.pregnancy >= 0 ? world.pregnancies[k.pregnancy] : undefined;
      if (preg && k.birth >= world.sanpuStart) {
        applicable |= BIT.postpartum;
        if (preg.postpartum) bits |= BIT.postpartum;
      }

      let la = hh.abuseLogit;
      if (dev) la += ABUSE.developmental;
      if (preg?.postpartum && age <= 5) la += ABUSE.postpartum;
      if (rng.chance(logistic(la))) bits |= BIT.abuse;

      if (age >= YOUNG_CARER.minAge && age <= 18) {
        applicable |= BIT.young_carer;
        let ly = YOUNG_CARER.base;
        if (hh.careNeed) ly += YOUNG_CARER.careNeed;
        if (hh.parentDisability) ly += YOUNG_CARER.parentDisability;
        if (hh.parentMental) ly += YOUNG_CARER.parentMental;
        if (single) ly += YOUNG_CARER.single;
        if (single && preschoolers > 0) ly += YOUNG_CARER.singleWithPreschooler;
        if (hh.foreign !== "none") ly += YOUNG_CARER.foreign;
        if (eldest === k) ly += YOUNG_CARER.eldest;
        if (k.sex === 2) ly += YOUNG_CARER.female;
        if (rng.chance(logistic(ly))) bits |= BIT.young_carer;
      }

      const grade = schoolGradeOn(k.birth, asOf - 1);
      if (grade >= 1 && grade <= 9) {
        applicable |= BIT.truancy;
        let lt = grade <= 6 ? TRUANCY.baseElementary : TRUANCY.baseJuniorHigh;
        if (dev) lt += TRUANCY.developmental;
        if (hh.poverty) lt += TRUANCY.poverty;
        if (bits & BIT.abuse) lt += TRUANCY.abuse;
        if (bits & BIT.young_carer) lt += TRUANCY.youngCarer;
        if (single) lt += TRUANCY.single;
        if (hh.parentDisability) lt += TRUANCY.familyDisability;
        if (rng.chance(logistic(lt))) bits |= BIT.truancy;
      }
      k.difficulties = bits;
      k.applicable = applicable;
    }
  }
}

function severe(d: Disability): boolean {
  return (
    d.grade === "1級" ||
    d.grade === "2級" ||
    d.grade === "A1" ||
    d.grade === "A2" ||
    d.grade === "A"
  );
}

function physical(rng: Rng, issued: Day): Disability {
  return {
    kind: "身体",
    grade: `${1 + rng.weighted([25, 18, 17, 22, 9, 9])}級`,
    icd: "",
    issued,
    status: rng.chance(0.96) ? "有効" : "返還",
  };
}

function intellectual(rng: Rng, issued: Day): Disability {
  return {
    kind: "療育",
    grade: (["A1", "A2", "B1", "B2"] as const)[rng.weighted([15, 20, 30, 35])] as string,
    icd: "",
    issued,
    status: "有効",
  };
}

/** ICD-10 codes of the main disorder on a 精神障害者保健福祉手帳, by why it was issued. */
const MENTAL_CODES = {
  developmental: [
    "F84.0",
    "F84.1",
    "F84.5",
    "F84.9",
    "F90.0",
    "F90.9",
    "F81.9",
    "F80.1",
    "F88",
    "F89",
  ],
  maltreatment: ["F94.1", "F94.2", "F94.1", "F90.0", "F43.1"],
  adult: ["F32.9", "F33.1", "F20.0", "F41.1", "F31.9", "F43.1", "F60.3", "F42.9"],
} as const;

/** 精神障害者保健福祉手帳 with a code for the reason it was issued. */
function mental(rng: Rng, issued: Day, reason: keyof typeof MENTAL_CODES): Disability {
  const codes = MENTAL_CODES[reason];
  // Valid two years, then renewed; about one in seven lapses (失効).
  return {
    kind: "精神",
    grade: `${1 + rng.weighted([10, 55, 35])}級`,
    icd: rng.pick(codes),
    issued,
    status: rng.chance(0.86) ? "有効" : "失効",
  };
}

/**
 * Facts the department files are written from, drawn from the latent difficulties with noise:
 * certificates of children, 受給者証, special classes, 要対協 registrations, 一時保護,
 * counselling records. Items per difficulty follow spec/associations.md.
 */
/**
 * Surnames that changed (issue 15): after the parents' divorce a child often takes the mother's
 * name; after a remarriage, the step-parent's. The registry then holds the new name while
 * records made earlier (a school's master for the year, a 要対協 or 一時保護 file) keep the
 * old one. Japanese-named children aged two and over; the change falls in the last four years.
 * A stream of its own, so every other generated fact stays as it was.
 */
function assignNameChanges(world: World, chooser: NameChooser, rng: Rng): void {
  for (const p of world.persons) {
    if (p.role !== "child" || p.alphabetName || p.nationality !== "") continue;
    if (p.birth > world.asOf - 2 * 365) continue;
    const hh = world.households[p.hh] as Household;
    const share =
      hh.kind === "single_mother"
        ? NAME_CHANGE.singleMother
        : hh.kind === "two_parent"
          ? NAME_CHANGE.remarried
          : 0;
    if (share === 0 || !rng.chance(share)) continue;
    let former = chooser.familyName(rng);
    for (let i = 0; i < 20 && (former.kanji === p.family || former.kana === p.familyKana); i++)
      former = chooser.familyName(rng);
    if (former.kanji === p.family || former.kana === p.familyKana) continue;
    const from = Math.max(p.birth + 365, world.asOf - 4 * 365);
    const until = from + rng.int(Math.max(1, world.asOf - 14 - from));
    p.formerFamily = { family: former.kanji, familyKana: former.kana, until };
  }
}

/**
 * 通称 of foreign residents (issue 15): a household of foreign nationals registers one with
 * the probability of its nationality (ALIAS_SHARE), every member sharing the family part; a
 * child's given 通称 is a Japanese given name, or (漢字圏) often the registered given name in
 * kanji. The registry carries it in 通称 / 通称カナ; schools and hand-kept registers often
 * write it instead of the registered name (sources/common.ts renderName). A stream of its own.
 */
function assignAliases(world: World, chooser: NameChooser, rng: Rng): void {
  for (const hh of world.households) {
    if (hh.foreign !== "all") continue;
    if (!rng.chance(ALIAS_SHARE[hh.nationality] ?? ALIAS_SHARE.other ?? 0)) continue;
    const family = chooser.familyName(rng);
    for (const id of hh.members) {
      const p = world.persons[id] as Person;
      if (p.nationality === "") continue;
      const keep = !p.alphabetName && rng.chance(0.5);
      const g = keep ? null : chooser.givenName(rng, p.sex, p.role === "child");
      p.alias = {
        family: family.kanji,
        familyKana: family.kana,
        given: g ? g.kanji : p.given,
        givenKana: g ? g.kana : p.givenKana,
      };
    }
  }
}

function assignFacts(world: World, rng: Rng): void {
  const { asOf } = world;
  for (const p of world.persons) {
    if (p.role !== "child") continue;
    const hh = world.households[p.hh] as Household;
    const age = ageOn(p.birth, asOf);
    const has = (b: number) => (p.difficulties & b) !== 0;
    const dev = has(BIT.developmental);
    const abuse = has(BIT.abuse);
    const first = p.stints[0];
    if (!first) continue;
    const residentFrom = first.from;
    const lastDay = p.stints[p.stints.length - 1]?.to ?? asOf;
    const during = (lo: Day) =>
      Math.min(
        lastDay - 1,
        Math.max(lo, residentFrom) + rng.int(Math.max(1, lastDay - Math.max(lo, residentFrom))),
      );

    // Children's certificates: developmental → 精神 (B09, the 発達障がい reference group) and
    // 療育 (comorbid intellectual disability); others rarely 身体 / 療育; maltreated children
    // sometimes 精神 for an attachment disorder (F94.1/F94.2, inside B09's F80–F98), ADHD or PTSD.
    if (age >= 3) {
      // Poor families apply more often: the certificate opens allowances (特別児童扶養手当).
      if (dev && rng.chance((0.1 + (age >= 10 ? 0.06 : 0)) * (hh.poverty ? 1.8 : 1)))
        p.disabilities.push(mental(rng, during(addYears(p.birth, 4)), "developmental"));
      if (dev && rng.chance(0.22))
        p.disabilities.push(intellectual(rng, during(addYears(p.birth, 3))));
      if (!dev && rng.chance(0.002))
        p.disabilities.push(intellectual(rng, during(addYears(p.birth, 3))));
      if (!dev && abuse && rng.chance(0.05))
        p.disabilities.push(mental(rng, during(addYears(p.birth, 4)), "maltreatment"));
    }
    if (rng.chance(0.003)) p.disabilities.push(physical(rng, during(p.birth + 60)));

    // 障害児支援受給者証 (B10): half of the developmental children aged 2+, children with a
    // certificate, and a few others (short-term support). Services are free for households on
    // 生活保護 or exempt from resident tax, so poor families use them more (B10 ● 貧困).
    if (
      age >= 2 &&
      (rng.chance(dev ? (hh.poverty ? 0.68 : 0.5) : hh.poverty ? 0.008 : 0.004) ||
        (p.disabilities.length > 0 && rng.chance(0.6)))
    ) {
      let d = during(addYears(p.birth, 2));
      const decisions: Day[] = [];
      while (d < asOf && decisions.length < 4) {
        decisions.push(d);
        d = addYears(d, 1);
      }
      p.jukyushaDecisions = decisions.slice(-3);
      p.jukyushaNo = String(4_000_000_000 + p.id * 7 + rng.int(7)).padStart(10, "0");
    }
    p.specialClass = rng.chance(dev ? 0.38 : p.disabilities.length > 0 ? 0.5 : 0.008);
    // Private / national schools outside the municipal system.
    const grade = schoolGradeOn(p.birth, asOf - 1);
    p.outsideSchool =
      grade >= 1 &&
      grade <= 9 &&
      rng.chance(
        grade <= 6
          ? world.profile.privateElementary
          : world.profile.privateJuniorHigh * (hh.poverty ? 0.3 : 1),
      );

    // 要対協 registration (B01): abuse mostly, and other difficulties sometimes (養護, 非行).
    const regP = abuse
      ? 0.55
      : 0.002 +
        (hh.poverty ? 0.012 : 0) +
        (has(BIT.truancy) ? 0.03 : 0) +
        (dev ? 0.008 : 0) +
        (has(BIT.postpartum) && age <= 3 ? 0.02 : 0) +
        (has(BIT.young_carer) ? 0.01 : 0);
    if (rng.chance(regP)) {
      // The register holds open cases and those closed in recent years (8-year window).
      const start = during(Math.max(p.birth, addYears(asOf, -8)));
      const type = abuse
        ? rng.chance(0.85)
          ? "虐待"
          : "養護"
        : has(BIT.truancy) && age >= 12 && rng.chance(0.4)
          ? "非行"
          : rng.chance(0.6)
            ? "養護"
            : "その他";
      const closed = rng.chance(0.35) && asOf - start > 400;
      p.yotaikyo = {
        start,
        end: closed ? start + 200 + rng.int(Math.max(1, asOf - start - 200)) : null,
        type,
      };
    }
    // 一時保護 (B02).
    if (rng.chance(abuse ? 0.12 : 0.0006)) {
      const start = p.yotaikyo
        ? Math.min(asOf - 2, p.yotaikyo.start + rng.int(300))
        : during(p.birth);
      const end = start + 7 + rng.int(60);
      p.ichijiHogo.push({ start, end: end < asOf ? end : null });
    }
  }

  // 特定妊婦: a pregnant woman registered with the 要対協 (poverty, young, mental illness).
  for (const preg of world.pregnancies) {
    const mother = world.persons[preg.mother] as Person;
    const hh = world.households[mother.hh] as Household;
    if (mother.yotaikyo || preg.notified >= asOf || preg.notified < addYears(asOf, -8)) continue;
    const risk =
      0.004 + (hh.poverty ? 0.03 : 0) + (hh.youngMother ? 0.03 : 0) + (hh.parentMental ? 0.05 : 0);
    if (rng.chance(risk)) {
      const start = preg.notified + 14 + rng.int(60);
      if (start < asOf)
        mother.yotaikyo = { start, end: start + 300 < asOf ? start + 300 : null, type: "特定妊婦" };
    }
  }

  // Counselling records (相談記録) in the three years before as-of.
  for (const hh of world.households) {
    const ms = members(world, hh);
    const kids = ms.filter((p) => p.role === "child");
    const parent = ms.find((p) => p.role === "mother") ?? ms.find((p) => p.role === "father");
    if (!parent) continue;
    const anyAbuse = kids.some((k) => (k.difficulties & BIT.abuse) !== 0);
    const anyDev = kids.some((k) => (k.difficulties & BIT.developmental) !== 0);
    const anyYc = kids.some((k) => (k.difficulties & BIT.young_carer) !== 0);
    const topics: [string, number, number][] = [
      ["児童虐待", anyAbuse ? 0.5 : 0.004, kids[0]?.id ?? parent.id],
      ["生活困窮", hh.poverty ? 0.18 : hh.nearPoor ? 0.05 : 0.003, parent.id],
      [
        "障がい",
        anyDev || hh.parentDisability ? 0.2 : 0.004,
        anyDev
          ? (kids.find((k) => (k.difficulties & BIT.developmental) !== 0)?.id ?? parent.id)
          : parent.id,
      ],
      ["DV", hh.dv ? 0.4 : 0.002, parent.id],
      ["養護", anyYc ? 0.08 : 0.004, kids[0]?.id ?? parent.id],
      ["その他", 0.02, parent.id],
    ];
    const stay = hh.stays[hh.stays.length - 1] as Stay;
    const lo = Math.max(stay.from, addYears(asOf, -3));
    const hi = stay.to ?? asOf;
    if (hi <= lo) continue;
    for (const [field, p, person] of topics) {
      let n = 0;
      while (rng.chance(n === 0 ? p : 0.35) && n < 4) {
        hh.consultations.push({
          day: lo + rng.int(hi - lo),
          field,
          person,
          byHousehold: rng.chance(0.25),
        });
        n++;
      }
    }
  }
}
