import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { createDecoder, detectEncoding } from "./encoding.ts";

const TEXT = "宛名番号,氏名,氏名カナ\n0001,見守 髙﨑,ﾐﾏﾓﾘ ﾀｶｻｷ\n";

describe("detectEncoding", () => {
  it("detects UTF-8 with and without BOM", () => {
    expect(detectEncoding(Buffer.from(TEXT), true)).toEqual({
      ok: true,
      encoding: "utf-8",
      bom: false,
    });
    expect(detectEncoding(Buffer.from(`\ufeff${TEXT}`), true)).toEqual({
      ok: true,
      encoding: "utf-8",
      bom: true,
    });
  });

  it("detects CP932, including half-width kana and NEC/IBM extensions", () => {
    expect(detectEncoding(iconv.encode(`${TEXT}①Ⅲ㈱`, "cp932"), true)).toEqual({
      ok: true,
      encoding: "cp932",
      bom: false,
    });
  });

  it("allows a character cut at the end of a sample, not at the end of the file", () => {
    const utf8 = Buffer.from("氏名"); // 6 bytes
    expect(detectEncoding(utf8.subarray(0, 5), false)).toMatchObject({
      ok: true,
      encoding: "utf-8",
    });
    const sjis = iconv.encode("氏名", "cp932"); // 4 bytes
    expect(detectEncoding(sjis.subarray(0, 3), false)).toMatchObject({
      ok: true,
      encoding: "cp932",
    });
    expect(detectEncoding(sjis.subarray(0, 3), true).ok).toBe(false);
  });

  it("refuses bytes that are neither, UTF-16, and binary files, in Japanese", () => {
    const neither = detectEncoding(Buffer.from([0x41, 0x82, 0x20, 0xff, 0xfe, 0x80]), true);
    expect(neither).toMatchObject({
      ok: false,
      reason: expect.stringContaining("文字コードを判別できません"),
    });
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x41, 0x00]), true)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("UTF-16"),
    });
    expect(detectEncoding(Buffer.from([0x41, 0x00, 0x42]), true)).toMatchObject({ ok: false });
  });

  it("takes pure ASCII as UTF-8", () => {
    expect(detectEncoding(Buffer.from("a,b\n1,2\n"), true)).toMatchObject({
      ok: true,
      encoding: "utf-8",
    });
  });
});

describe("createDecoder", () => {
  it.each(["utf-8", "cp932"] as const)("%s: joins characters split across chunks", (enc) => {
    const bytes = enc === "utf-8" ? Buffer.from(`\ufeff${TEXT}`) : iconv.encode(TEXT, "cp932");
    const d = createDecoder(enc);
    let out = "";
    for (const b of bytes) out += d.write(Uint8Array.of(b));
    out += d.end();
    expect(out).toBe(TEXT);
  });

  it("turns undecodable bytes into U+FFFD instead of failing", () => {
    const d = createDecoder("utf-8");
    expect(d.write(Buffer.from([0x61, 0xff, 0x62])) + d.end()).toBe("a\ufffdb");
  });
});
