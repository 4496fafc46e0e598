import { describe, expect, it } from "vitest";
import type { PersonId } from "../linkage/types.ts";
import type { IsoDate, SourceId } from "../types.ts";
import type { Value } from "../validate.ts";
import { buildPopulation, type LinkedRow } from "./build-facts.ts";
import { DEFAULT_CATALOG } from "./catalog.ts";
import { evaluateItems } from "./evaluate.ts";

const AS_OF = "2024-10-01" as IsoDate;
const P = (s: string) => s as PersonId;
let n = 0;
const row = (
  source: string,
  personId: string | null,
  values: Record<string, Value>,
  children?: string[],
): LinkedRow => ({
  source: source as SourceId,
  file: `${source}.csv`,
  row: ++n,
  asOf: AS_OF,
  values,
  personId: personId === null ? null : P(personId),
  ...(children ? { children: children.map(P) } : {}),
});

describe("buildPopulation", () => {
  const persons = [
    {
      personId: P("M"),
      residentNos: ["1"],
      birthDate: "1990-01-01" as IsoDate,
      sex: "female" as const,
    },
    { personId: P("C1"), residentNos: ["2"], birthDate: "2024-03-01" as IsoDate, sex: null },
    {
      personId: P("C2"),
      residentNos: ["3"],
      birthDate: "2024-03-01" as IsoDate,
      sex: "male" as const,
    },
  ];
  const rows = [
    row("jumin", "M", { 宛名番号: "1", 世帯番号: "H", 続柄: "世帯主", 住定日: "2015-01-01" }),
    row("jumin", "C1", { 宛名番号: "2", 世帯番号: "H", 続柄: "子", 住定日: "2024-03-01" }),
    row("jumin", "C2", { 宛名番号: "3", 世帯番号: "H", 続柄: "子", 住定日: "2024-03-01" }),
    // A twin pregnancy: the mother's EPDS row belongs to both children.
    row("sanpu_kenshin", "M", { 母宛名番号: "1", 健診日: "2024-04-01", EPDS合計点: 11 }, [
      "C1",
      "C2",
    ]),
    row("ninpu_kenshin", "M", { 母宛名番号: "1", 受診回数: 0 }, []),
    row("seikatsu_hogo", "M", { 宛名番号: "1", 開始年月日: "2024-01-01" }),
    row("sodan_kiroku", null, { 世帯番号: "H", 相談日: "2024-05-01", 相談分野: "生活困窮" }),
    row("yotaikyo", null, { 氏名: "不明", 登録日: "2024-01-01" }),
  ];
  const { population, report } = buildPopulation(persons, rows);

  it("attributes registry rows, person rows, mother rows and household rows", () => {
    expect(report).toEqual({ personRows: 4, motherRows: 1, householdRows: 1, unattributed: 2 });
    const [m, c1, c2] = population.persons;
    expect(m?.residence[0]).toMatchObject({
      residentNo: "1",
      householdNo: "H",
      relationship: "世帯主",
      from: "2015-01-01",
      to: null,
    });
    expect(m?.rows.map((r) => r.source)).toEqual(["seikatsu_hogo"]);
    expect(m?.motherRows).toEqual([]);
    expect(c1?.motherRows.map((r) => r.source)).toEqual(["sanpu_kenshin"]);
    expect(c2?.motherRows.map((r) => r.source)).toEqual(["sanpu_kenshin"]);
    expect(c1?.sex).toBe("unknown");
    expect(population.householdRows?.map((r) => r.source)).toEqual(["sodan_kiroku"]);
  });

  it("feeds the evaluator: both twins hold B15, B17 and K08", () => {
    const ev = evaluateItems(DEFAULT_CATALOG, population, AS_OF);
    const items = (id: string) =>
      ev.children.find((c) => c.personId === id)?.items.map((k) => ev.itemIds[k]);
    for (const id of ["C1", "C2"])
      expect(items(id)).toEqual(expect.arrayContaining(["B15", "B17", "K08"]));
  });
});
