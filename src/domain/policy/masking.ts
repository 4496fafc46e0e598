/**
 * Which identity fields of a child each role sees (issue 11: identity masked
 * per role). Versioned data like the rest of the policy: the version is sent
 * with every child view so a screen or an audit can say which table applied.
 * A field a role does not see is answered as null, by the server — the web
 * app never hides what the API sent. 要対協 facts are decided by the council
 * mark (DataScope.council), not here.
 */
import type { Role } from "./roles.ts";

export const MASKING_VERSION = "2026-12-masking-1";

export const IDENTITY_FIELDS = [
  "name",
  "nameKana",
  "birthDate",
  "sex",
  "residentNos",
  "address",
  "householdNo",
] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

/**
 * Per role, the fields shown. Roles without children access (admin, auditor,
 * data_owner, analyst) never reach a child view (children.view), so they see
 * nothing here either.
 */
export const MASKING_RULES: Readonly<Record<Role, readonly IdentityField[]>> = {
  coordinator: IDENTITY_FIELDS,
  // 支援担当: everything needed to contact and support the family.
  staff: IDENTITY_FIELDS,
  // 所属 (school, nursery): who the child is, not the registry numbers or the address.
  affiliation: ["name", "nameKana", "birthDate", "sex"],
  admin: [],
  data_owner: [],
  analyst: [],
  auditor: [],
};

/** The union of the fields the actor's roles show. */
export function visibleIdentityFields(roles: readonly string[]): Set<IdentityField> {
  const out = new Set<IdentityField>();
  for (const r of roles) for (const f of MASKING_RULES[r as Role] ?? []) out.add(f);
  return out;
}

/** Sets the fields the roles do not show to null. */
export function maskIdentity<T extends Partial<Record<IdentityField, unknown>>>(
  roles: readonly string[],
  identity: T,
): T {
  const shown = visibleIdentityFields(roles);
  const out: Record<string, unknown> = { ...identity };
  for (const f of IDENTITY_FIELDS) if (f in out && !shown.has(f)) out[f] = null;
  return out as T;
}
