import { describe, expect, it } from "vitest";
import { DEFAULT_CATALOG, type ItemCatalog } from "../items/catalog.ts";
import { evaluateItems } from "../items/evaluate.ts";
import { evidenceText } from "../items/evidence.ts";
import { catalogProblems } from "../items/schema.ts";
import { PopulationBuilder } from "../items/testing.ts";
import { BUILT_IN_SOURCES, createSources, LAYOUTS, sourceFromHeader } from "../layouts.ts";
import type { IsoDate, SourceId } from "../types.ts";
import { planFile, recordOf, validateRow } from "../validate.ts";
import { BUILT_IN_DECLARATIONS } from "./built-in.ts";
import { compileDeclaration, parseDeclaration, type SourceDeclaration } from "./declaration.ts";

/** The 妊娠届アンケート of docs/sources-and-items.md (a source layouts.md does not know). */
const ANKETO: SourceDeclaration = parseDeclaration({
  id: "ninshin_anketo",
  name: "妊娠届アンケート",
  subject: "mother",
  identify: { residentNo: "母宛名番号" },
  motherChild: { childResidentNo: "子宛名番号", dueDate: "出産予定日" },
  eventDate: "届出日",
  columns: [
    { name: "母宛名番号", type: "宛名番号", required: true },
    { name: "子宛名番号", type: "id" },
    { name: "届出日", type: "日付", required: true },
    { name: "出産予定日", type: "date" },
    ...Array.from({ length: 12 }, (_, i) => ({ name: `Q${i + 1}`, type: "bool" })),
    { name: "相談相手", type: "code", values: ["いる", "いない"], aliases: { 有: "いる" } },
    { name: "喫煙本数", type: "数値", integer: true, min: 0, max: 100, units: ["本"] },
  ],
  recode: { Q2: { "2": "いいえ" }, 相談相手: { "9": "いない" } },
});

describe("built-in sources in the declared form", () => {
  it("every built-in declaration passes the same checks as a municipality's", () => {
    for (const d of BUILT_IN_DECLARATIONS) {
      expect(() =>
        compileDeclaration(parseDeclaration(JSON.parse(JSON.stringify(d)))),
      ).not.toThrow();
    }
    expect(LAYOUTS).toHaveLength(19);
  });

  it("states the event dates and mother sources the evaluator used to hard-code", () => {
    expect(BUILT_IN_SOURCES.eventDates).toEqual({
      yotaikyo: "登録日",
      ichiji_hogo: "保護開始日",
      nyuyoji_kenshin: "受診日",
      gakko_kenshin: "検査日",
      kokoro_check: "実施日",
      shukketsu: "集計開始日",
      ninpu_kenshin: "妊娠届出日",
      sanpu_kenshin: "健診日",
      shogai_techo: "交付日",
      shogaiji_jukyusha: "決定日",
      seikatsu_hogo: "開始年月日",
      jido_fuyo: "認定日",
      kaigo_nintei: "有効期間開始日",
      iryohi_josei: "資格開始日",
      sodan_kiroku: "相談日",
      hoiku_zaiseki: "入所日",
    });
    expect([...BUILT_IN_SOURCES.motherSources].sort()).toEqual(["ninpu_kenshin", "sanpu_kenshin"]);
    const find = (id: string) => BUILT_IN_SOURCES.find(id);
    expect(find("jido_fuyo")?.roles.residentNo).toBe("受給者宛名番号");
    expect(find("ninpu_kenshin")?.roles.residentNo).toBe("母宛名番号");
    expect(find("shukketsu")?.roles).toMatchObject({
      name: "氏名",
      birthDate: "生年月日",
      school: "学校名",
    });
    expect(find("jumin")?.roles).toMatchObject({ householdNo: "世帯番号", address: "住所" });
    // 保護世帯番号 is a number of its own, not the registry's 世帯番号.
    expect(find("seikatsu_hogo")?.roles.householdNo).toBeUndefined();
  });
});

describe("a declared source", () => {
  const sources = createSources([ANKETO]);
  const layout = sources.find("ninshin_anketo");

  it("is found by id, file name and header, and is a mother source with its event date", () => {
    expect(layout?.name).toBe("妊娠届アンケート");
    expect(sources.motherSources.has("ninshin_anketo")).toBe(true);
    expect(sources.eventDates.ninshin_anketo).toBe("届出日");
    expect(BUILT_IN_SOURCES.find("ninshin_anketo")).toBeUndefined();
    expect(sourceFromHeader(["母宛名番号", "届出日", "Q1", "Q2"], sources)).toEqual({
      kind: "found",
      source: "ninshin_anketo",
    });
  });

  it("validates rows with its types and recodings", () => {
    const header = ["母宛名番号", "届出日", "出産予定日", "Q2", "Q9", "相談相手", "喫煙本数"];
    const planned = planFile(layout as never, header, { asOf: "2024-10-01" as IsoDate });
    if (!planned.ok) throw new Error(planned.problems.join());
    const ok = validateRow(planned.plan, ["0012", "R6.4.1", "2024/11/20", "2", "○", "9", "3本"]);
    if (!ok.ok) throw new Error(JSON.stringify(ok.errors));
    expect(recordOf(planned.plan, ok.values)).toMatchObject({
      母宛名番号: "0012",
      届出日: "2024-04-01",
      Q2: false,
      Q9: true,
      相談相手: "いない",
      喫煙本数: 3,
    });
    const bad = validateRow(planned.plan, ["", "2024-04-01", "", "x", "", "有", "200"]);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.column)).toEqual(["母宛名番号", "Q2", "喫煙本数"]);
    const missing = planFile(layout as never, ["Q1"], { asOf: "2024-10-01" as IsoDate });
    expect(missing.ok).toBe(false);
  });

  it("reports every problem of a wrong declaration in Japanese", () => {
    const wrong = () =>
      createSources([
        parseDeclaration({
          id: "survey",
          name: "調査",
          subject: "mother",
          eventDate: "回答日",
          columns: [
            { name: "Q1", type: "bool", values: ["a"] },
            { name: "区分", type: "code" },
          ],
          recode: { Q9: { "1": "はい" } },
        }),
      ]);
    expect(wrong).toThrow(/定義に誤りがあります/);
    try {
      wrong();
    } catch (e) {
      const details = (e as { details: string[] }).details.join("\n");
      expect(details).toContain("values は型 code の列にだけ書けます");
      expect(details).toContain("型 code には values");
      expect(details).toContain("eventDate（出来事の日付）の列「回答日」が columns にありません");
      expect(details).toContain("identify");
      expect(details).toContain("motherChild");
      expect(details).toContain("recode: 列「Q9」");
    }
    expect(() =>
      parseDeclaration({ id: "X", name: "", columns: [{ name: "a", type: "float" }] }),
    ).toThrow(/形が正しくありません/);
  });

  it("cannot take a built-in id, but can extend a built-in with typed columns", () => {
    expect(() => createSources([{ ...ANKETO, id: "jumin" }])).toThrow(/標準の取り込み元と同じ ID/);
    const extended = createSources([
      parseDeclaration({
        id: "nyuyoji_kenshin",
        name: "乳幼児健診",
        extends: "nyuyoji_kenshin",
        columns: [{ name: "新生児訪問", type: "bool" }],
      }),
    ]);
    const l = extended.find("nyuyoji_kenshin");
    expect(l?.columns.map((c) => c.name)).toContain("新生児訪問");
    expect(l?.columns.map((c) => c.name)).toContain("健診区分");
    expect(l?.eventDate).toBe("受診日");
    expect(extended.layouts).toHaveLength(19);
  });
});

describe("items over a declared source", () => {
  const sources = createSources([ANKETO]);
  const catalog: ItemCatalog = {
    version: "test",
    items: [
      ...DEFAULT_CATALOG.items,
      {
        id: "N01",
        name: "妊娠届アンケート Q9（相談相手がいない）",
        level: "mother",
        sources: ["ninshin_anketo" as SourceId],
        criterion: {
          kind: "record",
          source: "ninshin_anketo" as SourceId,
          scope: "mother",
          where: [{ op: "true", column: "Q9" }],
        },
        basis: "2024 report: 妊娠届アンケート Q9",
        purpose: "妊娠期から支援が必要な家庭を早く知るため",
        legalBasis: "法69条2項2号",
      },
    ],
  };

  it("are checked against the declared columns", () => {
    expect(catalogProblems(catalog, sources)).toEqual([]);
    expect(catalogProblems(catalog).join()).toContain("ninshin_anketo");
    const typo = {
      ...catalog,
      items: [
        {
          ...(catalog.items.at(-1) as (typeof catalog.items)[number]),
          criterion: {
            kind: "record" as const,
            source: "ninshin_anketo" as SourceId,
            scope: "mother" as const,
            where: [{ op: "ge" as const, column: "Q13", value: 1 }],
          },
        },
      ],
    };
    expect(catalogProblems(typo, sources).join()).toContain("Q13");
  });

  it("hold on the mother's row for her child, dated by the declared event date", () => {
    const b = new PopulationBuilder("2025-04-01");
    const child = b.person({ birth: "2024-11-20", household: "H", relationship: "子" });
    b.motherRow(child, "ninshin_anketo", { 届出日: "2024-04-01", Q9: true });
    const other = b.person({ birth: "2024-12-01", household: "G", relationship: "子" });
    b.motherRow(other, "ninshin_anketo", { 届出日: "2025-05-01", Q9: true });
    const population = { ...b.build(), eventDates: sources.eventDates };
    const ev = evaluateItems(catalog, population, "2025-04-01" as IsoDate);
    const n01 = ev.itemIds.indexOf("N01");
    const c = ev.children.find((x) => x.person === child);
    expect(c?.items).toContain(n01);
    // Filed after the date: has not happened yet.
    expect(ev.children.find((x) => x.person === other)?.items).not.toContain(n01);
    expect(evidenceText(ev.evidence(c as never, n01))).toContain("Q9 はい");
  });
});

describe("count and window criteria", () => {
  const catalogOf = (extra: Record<string, unknown>): ItemCatalog => ({
    version: "t",
    items: [
      {
        id: "X1",
        name: "相談 3件以上",
        level: "household",
        sources: ["sodan_kiroku" as SourceId],
        criterion: {
          kind: "record",
          source: "sodan_kiroku" as SourceId,
          scope: "self",
          where: [],
          ...extra,
        },
        basis: "test",
      },
    ],
  });
  const holds = (extra: Record<string, unknown>, dates: string[]) => {
    const b = new PopulationBuilder("2024-10-01");
    const child = b.person({ birth: "2015-01-01", household: "H", relationship: "子" });
    for (const d of dates) b.row(child, "sodan_kiroku", { 相談日: d, 相談分野: "養護" });
    const ev = evaluateItems(catalogOf(extra), b.build(), "2024-10-01" as IsoDate);
    return (ev.children.find((x) => x.person === child)?.items.length ?? 0) > 0;
  };

  it("minRows counts matching rows (future rows never count)", () => {
    expect(holds({ minRows: 3 }, ["2024-01-01", "2024-02-01"])).toBe(false);
    expect(holds({ minRows: 3 }, ["2024-01-01", "2024-02-01", "2024-11-01"])).toBe(false);
    expect(holds({ minRows: 3 }, ["2024-01-01", "2024-02-01", "2024-03-01"])).toBe(true);
  });

  it("withinDays keeps rows dated in the last N days, with minRows", () => {
    expect(holds({ withinDays: 30 }, ["2024-08-01"])).toBe(false);
    expect(holds({ withinDays: 30 }, ["2024-09-01"])).toBe(true);
    expect(holds({ withinDays: 90, minRows: 2 }, ["2024-08-01", "2024-05-01"])).toBe(false);
    expect(holds({ withinDays: 90, minRows: 2 }, ["2024-08-01", "2024-09-20"])).toBe(true);
    expect(holds({ withinMonths: 12, minRows: 2 }, ["2024-08-01", "2023-11-20"])).toBe(true);
  });
});
