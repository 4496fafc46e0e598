/**
 * Editing the files `mimamori synth` writes, for tests that need data a little
 * harder than the generator's: read a file in its own encoding (UTF-8 with or
 * without BOM, or cp932) and write it back the same way; make a school file's
 * names and dates slip so that the linkage must ask.
 */
import { readFileSync, writeFileSync } from "node:fs";
import iconv from "iconv-lite";

/** A file as text lines, with what is needed to write it back the same way. */
export function readCsv(path: string): { lines: string[]; cp932: boolean; bom: boolean } {
  const bytes = readFileSync(path);
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const utf8 = new TextDecoder("utf-8", { fatal: false }).decode(bom ? bytes.subarray(3) : bytes);
  const cp932 = utf8.includes("\uFFFD");
  const text = cp932 ? iconv.decode(bytes, "cp932") : utf8;
  return { lines: text.split(/\r?\n/), cp932, bom };
}

export function writeCsv(path: string, f: { lines: string[]; cp932: boolean; bom: boolean }): void {
  const text = f.lines.join("\r\n");
  const body = f.cp932 ? iconv.encode(text, "cp932") : Buffer.from(text, "utf8");
  writeFileSync(path, f.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body);
}

/**
 * The synthetic village links almost by itself (its only uncertain pairs are twins, which
 * a hard rule separates), so month 1's school health-check file is made harder the way
 * real files are: for 45 children a slip in the name or the birth date, so that the
 * model is unsure and asks. The truth (file and row → person) is unchanged.
 */
export function perturb(path: string): void {
  const f = readCsv(path);
  const header = (f.lines[0] ?? "").split(",");
  const [cName, cKana, cDob] = [
    header.indexOf("氏名"),
    header.indexOf("氏名カナ"),
    header.indexOf("生年月日"),
  ];
  let n = 0;
  for (let i = 1; i < f.lines.length && n < 45; i += 7) {
    const cells = (f.lines[i] as string).split(",");
    if (cells.length < header.length) continue;
    const [family, given] = (cells[cName] as string).split(" ");
    const [familyK, givenK] = (cells[cKana] as string).split(" ");
    if (!family || !given || !familyK || !givenK) continue;
    const kind = n % 3;
    if (kind === 0) {
      // Given name misread: its last kana and kanji differ.
      cells[cName] = `${family} ${given.slice(0, -1)}美`;
      cells[cKana] = `${familyK} ${givenK.slice(0, -1)}ミ`;
    } else if (kind === 1) {
      // Another surname (the school has not heard of a marriage, or has heard wrong).
      cells[cName] = `山本 ${given}`;
      cells[cKana] = `ヤマモト ${givenK}`;
    } else {
      // Given name in other kanji of the same reading, and one digit of the day slipped.
      cells[cName] = `${family} ${given.slice(0, -1)}子`;
      cells[cDob] = (cells[cDob] as string).replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    }
    f.lines[i] = cells.join(",");
    n++;
  }
  writeCsv(path, f);
}
