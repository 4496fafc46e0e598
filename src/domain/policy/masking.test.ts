import { describe, expect, it } from "vitest";
import {
  completeRules,
  DEFAULT_MASKING_RULES,
  formsForRoles,
  maskRow,
  maskValue,
  partialAddress,
  partialDate,
  partialName,
  partialNumber,
} from "./masking.ts";

describe("partial forms", () => {
  it("keeps the family name, the year-month, the 町名 and the last digits", () => {
    expect(partialName("山田 太郎")).toBe("山田 ＊＊");
    expect(partialName("ヤマダ　タロウ")).toBe("ヤマダ ＊＊");
    expect(partialName("山田太郎")).toBe("山＊＊");
    expect(partialDate("2015-04-12")).toBe("2015-04");
    expect(partialAddress("みどり市本町3丁目4-5")).toBe("みどり市本町＊＊");
    expect(partialAddress("みどり市本町三丁目")).toBe("みどり市本町＊＊");
    expect(partialAddress("みどり市本町１２番地")).toBe("みどり市本町＊＊");
    expect(partialNumber("100020177", 3)).toBe("＊＊＊＊＊＊177");
    expect(partialNumber("090-1234-5678", 4)).toBe("＊＊＊-＊＊＊＊-5678");
  });

  it("masks values by form: arrays element-wise, an age kept unless the birth date is hidden", () => {
    expect(maskValue("residentNos", "partial", ["12345", "67890"])).toEqual(["＊＊345", "＊＊890"]);
    expect(maskValue("birthDate", "partial", 9)).toBe(9);
    expect(maskValue("birthDate", "hidden", 9)).toBeNull();
    expect(maskValue("name", "full", "山田 太郎")).toBe("山田 太郎");
  });

  it("masks a source row by column name and leaves hidden columns out", () => {
    const forms = { ...DEFAULT_MASKING_RULES.affiliation };
    expect(
      maskRow(forms, { 氏名: "山田 太郎", 母宛名番号: "123", 住所: "本町1", 学校名: "第一小" }),
    ).toEqual({ 氏名: "山田 太郎", 学校名: "第一小" });
  });
});

describe("rules", () => {
  it("gives a user of several roles the most revealing form per field", () => {
    const f = formsForRoles(DEFAULT_MASKING_RULES, ["auditor", "affiliation"]);
    expect(f.name).toBe("full");
    expect(f.residentNos).toBe("full");
    expect(f.address).toBe("hidden");
    expect(formsForRoles(DEFAULT_MASKING_RULES, []).name).toBe("hidden");
  });

  it("completes a stored set from the default and never stores partial for 性別", () => {
    const r = completeRules({ staff: { name: "hidden", sex: "partial" }, unknown: {} });
    expect(r.staff.name).toBe("hidden");
    expect(r.staff.sex).toBe("hidden");
    expect(r.coordinator).toEqual(DEFAULT_MASKING_RULES.coordinator);
  });
});
