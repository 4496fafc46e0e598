import { describe, expect, it } from "vitest";
import { makePopulation, pairwiseScores } from "../../../test/linkage-population.ts";
import { MimamoriError } from "../errors.ts";
import { buildGaijiTable } from "../ja/name.ts";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../types.ts";
import { packIdentity } from "./anchors.ts";
import { explainLink, type LinkOptions, linkRecords, prepareProfiles } from "./japanese.ts";
import { JAPANESE_SETTINGS } from "./japanese-settings.ts";
import { EMPTY_STATE, nextState } from "./person-ids.ts";
import { parseLinkageSettings } from "./settings.ts";
import type { LinkRecord } from "./types.ts";

/** Smaller u sample than production, so the tests stay fast. */
const settings = {
  ...JAPANESE_SETTINGS,
  training: { ...JAPANESE_SETTINGS.training, uSamplePairs: 100_000 },
};
const opts: LinkOptions = { settings };

const rec = (
  r: Partial<Omit<LinkRecord, "source">> & { source: string; row: number },
): LinkRecord => ({
  ...r,
  source: r.source as SourceId,
  file: r.file ?? `${r.source}.csv`,
});

describe("linkRecords on a seeded population", () => {
  const pop = makePopulation(150, 3);
  const result = linkRecords(pop.records, opts);
  const personOf = result.links.map((l) => l.personId);

  it("links rows to persons with high precision and recall", () => {
    const s = pairwiseScores(personOf, pop.truth);
    expect(s.precision).toBeGreaterThanOrEqual(0.995);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
  });
  it("never merges twins", () => {
    expect(pop.twins.length).toBeGreaterThan(0);
    for (const [x, y] of pop.twins) {
      const px = new Set(pop.truth.flatMap((t, i) => (t === x ? [personOf[i]] : [])));
      const py = new Set(pop.truth.flatMap((t, i) => (t === y ? [personOf[i]] : [])));
      const jx = pop.records.findIndex((r, i) => r.source === "jumin" && pop.truth[i] === x);
      const jy = pop.records.findIndex((r, i) => r.source === "jumin" && pop.truth[i] === y);
      expect(personOf[jx]).not.toBe(personOf[jy]);
      expect(px.has(personOf[jy] ?? null)).toBe(false);
      expect(py.has(personOf[jx] ?? null)).toBe(false);
    }
  });
  it("merges every person who holds two 宛名番号", () => {
    expect(pop.twoNumberPeople.length).toBeGreaterThan(0);
    for (const [a, b] of pop.twoNumberPeople) {
      const p = result.persons.find((x) => x.residentNos.includes(a));
      expect(p?.residentNos).toContain(b);
    }
  });
  it("joins rows known only by 宛名番号 by id", () => {
    const idOnly = pop.records.flatMap((r, i) => (r.source === "nyuyoji_kenshin" ? [i] : []));
    expect(idOnly.length).toBeGreaterThan(0);
    for (const i of idOnly) {
      expect(result.links.at(i)?.method).toBe("id");
      const person = result.persons.find((p) => p.personId === personOf[i]);
      expect(person?.resident).toBe(true);
    }
  });
  it("keeps children with no registry record as their own persons and lists them", () => {
    const notResident = new Set(
      pop.truth.filter(
        (t) => !pop.records.some((r, i) => pop.truth[i] === t && r.source === "jumin"),
      ),
    );
    expect(notResident.size).toBeGreaterThan(0);
    for (const t of notResident) {
      const ids = new Set(pop.truth.flatMap((x, i) => (x === t ? [personOf[i]] : [])));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      expect(result.unmatched).toContain(id);
    }
  });
  it("explains a probabilistic link with weights that sum to its match weight", () => {
    const i = result.links.findIndex((l) => l.method === "probabilistic");
    const w = explainLink(result, i);
    expect(w).not.toBeNull();
    const sum = (w?.steps ?? []).reduce((s, x) => s + x.weight + x.tfAdjustment, 0);
    expect(sum).toBeCloseTo(w?.weight ?? Number.NaN, 9);
    expect(w?.probability).toBeCloseTo(result.links.at(i)?.probability ?? Number.NaN, 9);
  });
  it("keeps person ids when the same data come again in another order", () => {
    const order = pop.records.map((_, i) => i).reverse();
    const again = linkRecords(
      order.map((i) => pop.records[i] as LinkRecord),
      { ...opts, previous: nextState(EMPTY_STATE, result.assignment) },
    );
    order.forEach((i, k) => {
      expect(again.links.at(k)?.personId).toBe(personOf[i]);
    });
  });
  it("gives the same run from the earlier state packed, as the monthly run reads it", () => {
    const state = nextState(EMPTY_STATE, result.assignment);
    // The second run reversed, so earlier persons are met in another order than they were made.
    const records = [...pop.records].reverse();
    const fromMap = linkRecords(records, { ...opts, previous: state, model: result.model });
    const fromPacked = linkRecords(records, {
      ...opts,
      previous: { ...state, byKey: packIdentity(state.byKey) },
      model: result.model,
    });
    expect(fromPacked.persons).toEqual(fromMap.persons);
    expect(fromPacked.events).toEqual(fromMap.events);
    expect(new Map(fromPacked.assignment.updates)).toEqual(new Map(fromMap.assignment.updates));
    for (let i = 0; i < records.length; i++)
      expect(fromPacked.links.at(i)).toEqual(fromMap.links.at(i));
  });
  it("re-running with one new record changes only that record's link", () => {
    const child = pop.records.find((r) => r.source === "gakureibo") as LinkRecord;
    const extra = rec({
      source: "kokoro_check",
      row: 1,
      name: child.name?.replace(/[\s　]/, "") ?? null,
      nameKana: child.nameKana ?? null,
      birthDate: child.birthDate ?? null,
      sex: child.sex ?? null,
    });
    const stranger = rec({
      source: "kokoro_check",
      row: 2,
      name: "勅使河原 新",
      nameKana: "テシガワラ アラタ",
      birthDate: "2015-05-05" as IsoDate,
      sex: "male",
    });
    for (const added of [extra, stranger]) {
      const next = linkRecords([...pop.records, added], {
        ...opts,
        previous: nextState(EMPTY_STATE, result.assignment),
        model: result.model,
      });
      pop.records.forEach((_, i) => {
        expect(next.links.at(i)?.personId).toBe(personOf[i]);
      });
      const newLink = next.links.at(pop.records.length);
      if (added === extra) expect(newLink?.personId).toBe(personOf[pop.records.indexOf(child)]);
      else expect(personOf).not.toContain(newLink?.personId);
    }
  });
});

describe("hard rules and decisions", () => {
  // A model trained on a population: a handful of records cannot train one.
  const model = linkRecords(makePopulation(100, 5).records, opts).model;
  const base = {
    householdNo: "H1" as HouseholdNo,
    birthDate: "2016-05-01" as IsoDate,
    sex: "male" as const,
    address: "本町1丁目2番3号",
  };
  // Twins whose given names read alike (優希 / 勇樹, both ユウキ): every comparison but the kanji agrees.
  const twins: LinkRecord[] = [
    rec({
      source: "jumin",
      row: 1,
      residentNo: "1" as ResidentNo,
      name: "佐藤 優希",
      nameKana: "サトウ ユウキ",
      ...base,
    }),
    rec({
      source: "jumin",
      row: 2,
      residentNo: "2" as ResidentNo,
      name: "佐藤 勇樹",
      nameKana: "サトウ ユウキ",
      ...base,
    }),
    rec({
      source: "jumin",
      row: 3,
      residentNo: "3" as ResidentNo,
      name: "佐藤 太郎",
      nameKana: "サトウ タロウ",
      ...base,
      birthDate: "1980-01-01" as IsoDate,
    }),
  ];
  it("never merges twins, even when their names read alike", () => {
    const r = linkRecords(twins, { ...opts, model });
    expect(r.links.at(0)?.personId).not.toBe(r.links.at(1)?.personId);
  });
  it("keeps twins apart when one twin's record is a removed one (only the twin rule can)", () => {
    const removed = [
      { ...(twins[0] as LinkRecord), removedDate: "2020-03-31" as IsoDate },
      ...twins.slice(1),
    ];
    // A permissive threshold, so that the model alone would join them: the rule is what holds.
    const permissive = {
      ...settings,
      thresholds: { ...settings.thresholds, accept: 0.5, review: 0.4 },
    };
    const r = linkRecords(removed, { ...opts, settings: permissive, model });
    expect(r.links.at(0)?.personId).not.toBe(r.links.at(1)?.personId);
    const noTwinRule = {
      ...permissive,
      cannotLink: permissive.cannotLink.filter((c) => c.name !== "双子"),
    };
    const merged = linkRecords(removed, { ...opts, settings: noTwinRule, model });
    expect(merged.links.at(0)?.personId).toBe(merged.links.at(1)?.personId);
  });
  it("a reviewer's 'different' splits, and 'same' joins, whatever the model says", () => {
    const records: LinkRecord[] = [
      rec({
        source: "jumin",
        row: 1,
        residentNo: "1" as ResidentNo,
        name: "山田 花子",
        nameKana: "ヤマダ ハナコ",
        birthDate: "2015-04-10" as IsoDate,
        sex: "female",
      }),
      rec({
        source: "shukketsu",
        row: 1,
        name: "山田 花子",
        nameKana: "ヤマダ ハナコ",
        birthDate: "2015-04-10" as IsoDate,
        sex: "female",
      }),
      rec({
        source: "ichiji_hogo",
        row: 1,
        name: "川口 ゆい",
        nameKana: "カワグチ ユイ",
        birthDate: "2014-01-01" as IsoDate,
        sex: "female",
      }),
    ];
    const first = linkRecords(records, { ...opts, model });
    expect(first.links.at(1)?.personId).toBe(first.links.at(0)?.personId);
    expect(first.links.at(2)?.personId).not.toBe(first.links.at(0)?.personId);
    const keys = first.links.map((l) => l.profileKey);
    const decided = linkRecords(records, {
      ...opts,
      model,
      decisions: [
        { left: keys[0] as string, right: keys[1] as string, same: false },
        { left: keys[0] as string, right: keys[2] as string, same: true },
      ],
    });
    expect(decided.links.at(1)?.personId).not.toBe(decided.links.at(0)?.personId);
    expect(decided.links.at(2)?.personId).toBe(decided.links.at(0)?.personId);
    expect(decided.links.at(2)?.method).toBe("manual");
  });
  it("applies the municipality's 外字 table before matching", () => {
    const records = [
      rec({ source: "jumin", row: 1, residentNo: "1" as ResidentNo, name: "\ue001藤 陽菜" }),
      rec({ source: "shukketsu", row: 1, name: "近藤 陽菜" }),
    ];
    const plain = prepareProfiles(records);
    expect(plain.table.columns.get("familyFolded")?.values).toContain("〓藤");
    const mapped = prepareProfiles(records, {
      gaiji: buildGaijiTable([{ code: "U+E001", char: "近" }]),
    });
    const col = mapped.table.columns.get("familyFolded");
    expect(col?.codes[0]).toBe(col?.codes[1]);
  });
  it("splits a name written without a space at a family name seen elsewhere", () => {
    const p = prepareProfiles([
      rec({ source: "jumin", row: 1, name: "佐々木 一郎", nameKana: "ササキ イチロウ" }),
      rec({ source: "shukketsu", row: 1, name: "佐々木次郎", nameKana: "ササキジロウ" }),
    ]);
    const given = p.table.columns.get("givenRaw");
    expect(given?.values[given.codes[1] as number]).toBe("次郎");
    const reading = p.table.columns.get("givenReading");
    expect(reading?.values[reading.codes[1] as number]).toBe("ジロー");
  });
  it("reports rows with nothing to link on as unlinked, without a person", () => {
    const r = linkRecords(
      [rec({ source: "sodan_kiroku", row: 1, householdNo: null }), ...twins],
      opts,
    );
    expect(r.links.at(0)).toMatchObject({ personId: null, method: "unlinked" });
  });
  it("gives a household-only 相談記録 row to the member its 相談分野 is about", () => {
    const mother = rec({
      source: "jumin",
      row: 9,
      residentNo: "9" as ResidentNo,
      householdNo: "H1" as HouseholdNo,
      name: "佐藤 花子",
      nameKana: "サトウ ハナコ",
      birthDate: "1985-02-03" as IsoDate,
      sex: "female",
      relationship: "世帯主",
    });
    const row = rec({ source: "sodan_kiroku", row: 1, householdNo: "H1" as HouseholdNo });
    const r = linkRecords(
      [{ ...row, topic: "DV", eventDate: "2024-06-01" as IsoDate }, mother, ...twins],
      opts,
    );
    expect(r.links.at(0)).toMatchObject({ personId: r.links.at(1)?.personId, method: "id" });
    expect(r.persons.find((p) => p.personId === r.links.at(1)?.personId)?.records).toContain(0);
  });
});

describe("settings as data", () => {
  it("round-trips through JSON and validates", () => {
    const json = JSON.parse(JSON.stringify(JAPANESE_SETTINGS));
    expect(parseLinkageSettings(json)).toEqual(json);
    expect(() =>
      parseLinkageSettings({ ...json, thresholds: { ...json.thresholds, accept: 2 } }),
    ).toThrow(MimamoriError);
  });
});
