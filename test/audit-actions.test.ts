/**
 * Every audit action the code writes has a Japanese name (issue 16). The
 * actions are found in the source: `action: "…"` (with each branch of a
 * conditional on that line), `action: \`prefix.${…}\`` (some name must start
 * with the prefix) and string arguments of the audit helpers (`audit…(…)`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_ACTION_NAMES, AUDIT_ACTIONS, auditActionName } from "../src/domain/audit/actions.ts";

const SRC = join(import.meta.dirname, "..", "src");
const ACTION = /^[a-z]+(?:_[a-z]+)*\.[a-z_]+(?:\.[a-z_]+)*$/;
const NOT_ACTION = /\.(ts|tsx|js|json|csv|md|sql|txt|html|png)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "migrations" ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** The text of a call's arguments from the "(" at `open`, with nested parentheses. */
function callArguments(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

const literals = (s: string) =>
  [...s.matchAll(/"([^"\n]*)"/g)].map((m) => m[1] ?? "").filter((x) => ACTION.test(x));

function writtenActions(): { exact: Map<string, string>; prefixes: Map<string, string> } {
  const exact = new Map<string, string>();
  const prefixes = new Map<string, string>();
  for (const file of sourceFiles(SRC)) {
    if (file.endsWith(join("audit", "actions.ts"))) continue;
    const text = readFileSync(file, "utf8");
    const where = relative(SRC, file);
    for (const m of text.matchAll(/\baction:\s*([^\n]*)/g)) {
      for (const a of literals(m[1] ?? "")) if (!NOT_ACTION.test(a)) exact.set(a, where);
      const template = (m[1] ?? "").match(/^`([a-z_]+\.)\$\{/);
      if (template?.[1]) prefixes.set(template[1], where);
    }
    for (const m of text.matchAll(/\baudit[A-Za-z]*\(/g)) {
      const args = callArguments(text, (m.index ?? 0) + m[0].length - 1);
      for (const a of literals(args)) if (!NOT_ACTION.test(a)) exact.set(a, where);
    }
  }
  return { exact, prefixes };
}

describe("audit action names", () => {
  const { exact, prefixes } = writtenActions();

  it("finds the actions the code writes (the scan is not empty)", () => {
    expect(exact.size).toBeGreaterThan(30);
    for (const known of [
      "auth.login",
      "user.disable",
      "child.view",
      "stats.export",
      "authz.denied",
    ])
      expect(exact.has(known), known).toBe(true);
    expect(prefixes.has("export.")).toBe(true);
  });

  it("has a Japanese name for every action written by the code", () => {
    const names = AUDIT_ACTION_NAMES as Record<string, string>;
    const missing = [...exact].filter(([a]) => !names[a]).map(([a, f]) => `${a} (${f})`);
    expect(missing, "src/domain/audit/actions.ts に日本語名を追加してください").toEqual([]);
    for (const [prefix, f] of prefixes) {
      expect(
        Object.keys(names).some((a) => a.startsWith(prefix)),
        `${prefix}… (${f})`,
      ).toBe(true);
    }
  });

  it("names are Japanese, distinct, and unknown actions show as recorded", () => {
    for (const { id, label } of AUDIT_ACTIONS) {
      expect(label, id).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(ACTION.test(id), id).toBe(true);
    }
    expect(new Set(AUDIT_ACTIONS.map((a) => a.label)).size).toBe(AUDIT_ACTIONS.length);
    expect(auditActionName("user.disable")).toBe("利用者の無効化");
    expect(auditActionName("future.thing")).toBe("future.thing");
  });
});
