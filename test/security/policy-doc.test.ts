/**
 * docs/security.md carries the role × permission table generated from the
 * policy module; this fails when they differ (a permission or grant changed
 * without the document). `UPDATE_DOCS=1 npx vitest run test/security/policy-doc.test.ts`
 * rewrites the table.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  POLICY_TABLE_BEGIN,
  POLICY_TABLE_END,
  policyTableMarkdown,
} from "../../src/domain/policy/table-markdown.ts";

const doc = join(import.meta.dirname, "../../docs/security.md");

describe("docs/security.md role table", () => {
  it("equals the table generated from the policy", () => {
    const text = readFileSync(doc, "utf8");
    const a = text.indexOf(POLICY_TABLE_BEGIN);
    const b = text.indexOf(POLICY_TABLE_END);
    expect(a, "markers missing in docs/security.md").toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThan(a);
    const current = text.slice(a + POLICY_TABLE_BEGIN.length, b).trim();
    const expected = policyTableMarkdown();
    if (process.env.UPDATE_DOCS === "1" && current !== expected) {
      writeFileSync(
        doc,
        `${text.slice(0, a + POLICY_TABLE_BEGIN.length)}\n${expected}\n${text.slice(b)}`,
      );
      return;
    }
    expect(current).toBe(expected);
  });
});
