/**
 * The "who may do what" table of docs/security.md, generated from the policy
 * (GRANTS). test/security/policy-doc.test.ts fails when the document's table
 * differs, and rewrites it with UPDATE_DOCS=1.
 */

import { policyTable } from "./index.ts";
import { PERMISSION_LABELS } from "./permissions.ts";
import { ROLE_LABELS, ROLES } from "./roles.ts";

export const POLICY_TABLE_BEGIN =
  "<!-- policy-table:begin (generated from src/domain/policy; do not edit) -->";
export const POLICY_TABLE_END = "<!-- policy-table:end -->";

export function policyTableMarkdown(): string {
  const head = `| 権限 | ${ROLES.map((r) => `${ROLE_LABELS[r]} (\`${r}\`)`).join(" | ")} |`;
  const rule = `|---|${ROLES.map(() => ":-:").join("|")}|`;
  const rows = policyTable().map(
    (p) =>
      `| ${PERMISSION_LABELS[p.permission]} (\`${p.permission}\`) | ${ROLES.map((r) => (p.roles.includes(r) ? "○" : "")).join(" | ")} |`,
  );
  return [head, rule, ...rows].join("\n");
}
