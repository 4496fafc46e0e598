import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { loadGaiji, parseGaijiText, saveGaiji } from "./gaiji.ts";

let t: TestDatabase;
let mid: number;
beforeAll(async () => {
  t = await createTestDatabase();
  ({ id: mid } = await createMunicipalityRepository(t.db).ensureDefault("喬木村"));
});
afterAll(async () => t?.drop());

describe("外字 table", () => {
  it("reads a file, stores it per municipality and is read back by runs", async () => {
    expect((await loadGaiji(t.db, mid)).size).toBe(0);
    const entries = parseGaijiText('"U+E001": 近\nE002: 﨑\n"\ue003": 髙\n', "gaiji.yaml");
    expect(await saveGaiji(t.db, mid, entries, { userId: null, loginName: "test" })).toBe(3);
    const table = await loadGaiji(t.db, mid);
    expect(table.get("\ue001")).toBe("近");
    expect(table.get("\ue003")).toBe("髙");
    // Replacing it keeps one table.
    await saveGaiji(t.db, mid, [{ code: "U+E001", char: "遠" }], {
      userId: null,
      loginName: "test",
    });
    expect([...(await loadGaiji(t.db, mid))]).toEqual([["\ue001", "遠"]]);
  });

  it("refuses a wrong file with every problem, in Japanese", () => {
    expect(() => parseGaijiText("U+0041: A\nU+E005: ''\n", "gaiji.yaml")).toThrow(
      /外字対応表に誤りがあります/,
    );
    expect(() => parseGaijiText("- a\n- b\n", "gaiji.yaml")).toThrow(/外字コードと対応する文字/);
  });
});
