/**
 * Writing a synthetic municipality to disk (the I/O shell of src/domain/synth): the 19 canonical
 * source CSVs of spec/layouts.md into a folder and the ground truth into its truth/ folder.
 * Encodes each source as the generator says (UTF-8, UTF-8 with BOM, CP932 via iconv-lite) and
 * writes every file under a temporary name, renaming it only when complete. Used by
 * `mimamori synth` (src/cli/commands/synth.ts) and the demo town of `serve --demo` (demo.ts).
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import iconv from "iconv-lite";
import { MimamoriError } from "../domain/errors.ts";
import {
  BROKEN_HEADER,
  csvChunks,
  csvLine,
  difficultiesTable,
  type Encoding,
  generateMunicipality,
  isProfileId,
  type NamePools,
  personsTable,
  RECORDS_HEADER,
  RELATED_HEADER,
  type TextTable,
  truthOfRow,
  truthReadme,
} from "../domain/synth/index.ts";

/** A file written under a temporary name and renamed into place by `commit` (never half-written). */
class AtomicFile {
  private readonly tmp: string;
  private fd: number;
  bytes = 0;
  constructor(readonly path: string) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, "w");
  }
  write(data: Uint8Array | string): void {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    writeSync(this.fd, buf);
    this.bytes += buf.length;
  }
  commit(): void {
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tmp, this.path);
  }
  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (existsSync(this.tmp)) unlinkSync(this.tmp);
  }
}

const cp932Cache = new Map<number, boolean>();
function cp932Encodable(cp: number): boolean {
  let ok = cp932Cache.get(cp);
  if (ok === undefined) {
    const ch = String.fromCodePoint(cp);
    ok = iconv.decode(iconv.encode(ch, "cp932"), "cp932") === ch;
    cp932Cache.set(cp, ok);
  }
  return ok;
}

/**
 * CP932 bytes of `text`. A character CP932 lacks becomes 〓 (the JIS 下駄記号 older systems
 * write for 外字), never iconv-lite's silent "?".
 */
export function encodeCp932(text: string): Buffer {
  let out: string | undefined;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    const cp = text.codePointAt(i) as number;
    const w = cp > 0xffff ? 2 : 1;
    if (!cp932Encodable(cp)) {
      out = `${out ?? ""}${text.slice(last, i)}〓`;
      last = i + w;
    }
    i += w - 1;
  }
  return iconv.encode(out === undefined ? text : out + text.slice(last), "cp932");
}

function encode(text: string, encoding: Encoding): Uint8Array | string {
  return encoding === "cp932" ? encodeCp932(text) : text;
}

function writeText(dir: string, table: TextTable, files: AtomicFile[]): void {
  const f = new AtomicFile(join(dir, table.file));
  files.push(f);
  let buf = `${csvLine(table.header)}\n`;
  for (const r of table.rows()) {
    buf += `${csvLine(r)}\n`;
    if (buf.length > 1 << 20) {
      f.write(buf);
      buf = "";
    }
  }
  f.write(buf);
  f.commit();
}

export interface SynthRunResult {
  readonly files: readonly { file: string; rows: number; broken: number; bytes: number }[];
  readonly truthBytes: number;
}

/** Generates and writes everything; returns what was written. */
export function runSynth(options: {
  profile: string;
  seed: number;
  out: string;
  asOf: string;
  names: NamePools;
  progress?: (line: string) => void;
}): SynthRunResult {
  if (!isProfileId(options.profile)) {
    throw new MimamoriError(
      "invalid_input",
      `--profile は village, town, city, metro のいずれかを指定してください（「${options.profile}」）。`,
    );
  }
  const out = resolve(options.out);
  const truthDir = join(out, "truth");
  mkdirSync(truthDir, { recursive: true });
  const { world, tables } = generateMunicipality({
    profile: options.profile,
    seed: options.seed,
    asOf: options.asOf,
    names: options.names,
  });

  const open: AtomicFile[] = [];
  try {
    const records = new AtomicFile(join(truthDir, "records.csv"));
    const broken = new AtomicFile(join(truthDir, "broken_rows.csv"));
    const related = new AtomicFile(join(truthDir, "related.csv"));
    open.push(records, broken, related);
    records.write(`${csvLine(RECORDS_HEADER)}\n`);
    broken.write(`${csvLine(BROKEN_HEADER)}\n`);
    related.write(`${csvLine(RELATED_HEADER)}\n`);

    const files: { file: string; rows: number; broken: number; bytes: number }[] = [];
    for (const table of tables) {
      const f = new AtomicFile(join(out, table.file));
      open.push(f);
      if (table.encoding === "utf8bom") f.write("\uFEFF");
      let rows = 0;
      let brokenRows = 0;
      let truth = "";
      let brokenText = "";
      let relatedText = "";
      for (const chunk of csvChunks(table, (n, r) => {
        const t = truthOfRow(table, n, r);
        rows = n;
        truth += `${csvLine(t.record)}\n`;
        if (t.broken) {
          brokenRows++;
          brokenText += `${csvLine(t.broken)}\n`;
        }
        for (const x of t.related) relatedText += `${csvLine(x)}\n`;
      })) {
        f.write(encode(chunk, table.encoding));
        records.write(truth);
        truth = "";
        if (brokenText) broken.write(brokenText);
        if (relatedText) related.write(relatedText);
        brokenText = "";
        relatedText = "";
      }
      f.commit();
      files.push({ file: table.file, rows, broken: brokenRows, bytes: f.bytes });
      options.progress?.(`${table.file}: ${rows.toLocaleString("ja-JP")} 行`);
    }
    records.commit();
    broken.commit();
    related.commit();
    writeText(truthDir, personsTable(world), open);
    writeText(truthDir, difficultiesTable(world), open);
    const readme = new AtomicFile(join(truthDir, "README.md"));
    open.push(readme);
    readme.write(truthReadme(world, files));
    readme.commit();
    const truthBytes = open
      .filter((f) => f.path.startsWith(truthDir))
      .reduce((s, f) => s + f.bytes, 0);
    return { files, truthBytes };
  } finally {
    for (const f of open) f.abort();
  }
}
