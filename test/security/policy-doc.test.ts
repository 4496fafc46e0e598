/**
 * docs/security.md carries the role × permission table generated from the
 * policy module and the default masking rules; this fails when they differ (a
 * permission, grant or default form changed without the document). `UPDATE_DOCS=1 npx vitest run test/security/policy-doc.test.ts`
 * rewrites the table.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  MASKING_TABLE_BEGIN,
  MASKING_TABLE_END,
  maskingTableMarkdown,
  POLICY_TABLE_BEGIN,
  POLICY_TABLE_END,
  policyTableMarkdown,
} from "../../src/domain/policy/table-markdown.ts";

const doc = join(import.meta.dirname, "../../docs/security.md");

/** The text between `begin` and `end` must be `expected` (rewritten with UPDATE_DOCS=1). */
function checkGenerated(begin: string, end: string, expected: string) {
  const text = readFileSync(doc, "utf8");
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  expect(a, "markers missing in docs/security.md").toBeGreaterThanOrEqual(0);
  expect(b).toBeGreaterThan(a);
  const current = text.slice(a + begin.length, b).trim();
  if (process.env.UPDATE_DOCS === "1" && current !== expected) {
    writeFileSync(doc, `${text.slice(0, a + begin.length)}\n${expected}\n${text.slice(b)}`);
    return;
  }
  expect(current).toBe(expected);
}

describe("docs/security.md generated tables", () => {
  it("the role table equals the table generated from the policy", () => {
    checkGenerated(POLICY_TABLE_BEGIN, POLICY_TABLE_END, policyTableMarkdown());
  });

  it("the default masking table equals DEFAULT_MASKING_RULES", () => {
    checkGenerated(MASKING_TABLE_BEGIN, MASKING_TABLE_END, maskingTableMarkdown());
  });
});
