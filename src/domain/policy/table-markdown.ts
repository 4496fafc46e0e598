/**
 * The "who may do what" table of docs/security.md, generated from the policy
 * (GRANTS), and the default masking rules (masking.ts). test/security/policy-doc.test.ts fails when the document's table
 * differs, and rewrites it with UPDATE_DOCS=1.
 */

import { policyTable } from "./index.ts";
import { DEFAULT_MASKING_RULES, IDENTITY_FIELD_LABELS, IDENTITY_FIELDS } from "./masking.ts";
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

export const MASKING_TABLE_BEGIN =
  "<!-- masking-table:begin (generated from src/domain/policy/masking.ts; do not edit) -->";
export const MASKING_TABLE_END = "<!-- masking-table:end -->";

const FORM_MARKS = { full: "すべて", partial: "一部", hidden: "—" } as const;

/** The default masking rules (role × identity field) of docs/security.md. */
export function maskingTableMarkdown(): string {
  const head = `| 役割 | ${IDENTITY_FIELDS.map((f) => IDENTITY_FIELD_LABELS[f]).join(" | ")} |`;
  const rule = `|---|${IDENTITY_FIELDS.map(() => ":-:").join("|")}|`;
  const rows = ROLES.map(
    (r) =>
      `| ${ROLE_LABELS[r]} (\`${r}\`) | ${IDENTITY_FIELDS.map((f) => FORM_MARKS[DEFAULT_MASKING_RULES[r][f]]).join(" | ")} |`,
  );
  return [head, rule, ...rows].join("\n");
}
