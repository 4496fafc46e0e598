/**
 * `npm run bench [name...]`: runs the benchmarks in bench/*.bench.ts (or the named
 * ones) and rewrites their sections of docs/benchmarks.md. Each bench module
 * default-exports `async () => string` returning its Markdown section (which must
 * say what was measured); the machine it ran on is written at the top.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

const here = import.meta.dirname;
const docPath = join(here, "..", "docs", "benchmarks.md");
const wanted = process.argv.slice(2);
const names = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();

let doc = (() => {
  try {
    return readFileSync(docPath, "utf8");
  } catch {
    return "# Benchmarks\n\nWritten by `npm run bench`; each section is replaced when its benchmark reruns.\n";
  }
})();

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;

for (const name of names) {
  const mod = (await import(join(here, `${name}.bench.ts`))) as { default: () => Promise<string> };
  process.stderr.write(`bench ${name} …\n`);
  const body = await mod.default();
  const section = `<!-- bench:${name} -->\n${body.trim()}\n\n_Machine: ${machine}; run ${new Date().toISOString().slice(0, 10)}._\n<!-- /bench:${name} -->`;
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  doc = re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(docPath, doc);
}
