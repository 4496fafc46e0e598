/**
 * The one policy module (STYLE.md §15). Routes declare the permission they need
 * (`PolicyName`); `can` decides it from the actor's roles; `scopeOf` gives the
 * data scope every repository query takes (municipality, 要対協 membership,
 * which children). Nothing else in the code decides who may see what.
 */
import { GRANTS, PERMISSIONS, type Permission, type PolicyName } from "./permissions.ts";
import { isRole, LEGACY_ROLE_ALIASES, ROLES, type Role } from "./roles.ts";

export * from "./permissions.ts";
export * from "./roles.ts";

/** The signed-in user as the policy sees them. */
export interface Actor {
  userId: number;
  loginName: string;
  municipalityId: number;
  roles: readonly string[];
  /** 要対協 member (児童福祉法 25条の5: 守秘義務 of the council). */
  council: boolean;
  /** School / nursery / office the account belongs to (所属), when scoped to one. */
  affiliation: string | null;
  /** The sources a データ提供 account may import; null or absent: every source (0088). */
  importSources?: readonly string[] | null;
}

/**
 * Whether an account whose import sources are `allowed` may import (and see the
 * import history of) `sourceId`: null or absent means every source (0088; the
 * CLI's operator and accounts not yet narrowed). 要対協 / 一時保護 sources also
 * need council membership (checked where rows are stored and by row security).
 */
export function mayImportSource(
  allowed: readonly string[] | null | undefined,
  sourceId: string,
): boolean {
  return allowed == null || allowed.includes(sourceId);
}

/**
 * Which children an actor's queries may return:
 * - `all`: every child of the municipality (coordinators);
 * - `assigned`: children of the actor's cases, or of the actor's affiliation (staff);
 * - `requests`: children named in requests sent to the actor's affiliation (所属);
 * - `none`: no child (admin, auditor, data owner, analyst — analysts read
 *   pseudonymised aggregates through their own routes).
 */
export type ChildAccess = "all" | "assigned" | "requests" | "none";

/** What a repository needs to know to filter a query (STYLE.md §15). */
export interface DataScope {
  municipalityId: number;
  /** 要対協 / 一時保護 facts (sources yotaikyo, ichiji_hogo; items B01, B02; council cases). */
  council: boolean;
  userId: number;
  children: ChildAccess;
  affiliation: string | null;
}

/** Sources whose rows are 要対協 facts: council members only, everywhere. */
export const COUNCIL_ONLY_SOURCES: readonly string[] = ["yotaikyo", "ichiji_hogo"];
/** Data items that state 要対協 facts (B01 要対協への登録履歴, B02 一時保護歴). */
export const COUNCIL_ONLY_ITEMS: readonly string[] = ["B01", "B02"];

export function isCouncilOnlySource(sourceId: string): boolean {
  return COUNCIL_ONLY_SOURCES.includes(sourceId);
}
export function isCouncilOnlyItem(itemId: string): boolean {
  return COUNCIL_ONLY_ITEMS.includes(itemId);
}

/** Does the actor hold `policy`? `public` and `authenticated` are decided by the caller (session present). */
export function can(actor: Pick<Actor, "roles">, policy: PolicyName): boolean {
  if (policy === "public" || policy === "authenticated") return true;
  return GRANTS[policy].some((r) => actor.roles.includes(r));
}

/** Every permission the actor holds (the web app shows only what the API would allow). */
export function permissionsOf(roles: readonly string[]): Permission[] {
  return PERMISSIONS.filter((p) => can({ roles }, p));
}

/** The data scope of an actor's queries. */
export function scopeOf(actor: Actor): DataScope {
  const children: ChildAccess = actor.roles.includes("coordinator")
    ? "all"
    : actor.roles.includes("staff")
      ? "assigned"
      : actor.roles.includes("affiliation")
        ? "requests"
        : "none";
  return {
    municipalityId: actor.municipalityId,
    council: actor.council,
    userId: actor.userId,
    children,
    affiliation: actor.affiliation,
  };
}

/** The scope of a command-line or pipeline run: the whole municipality, 要対協 facts included. */
export function systemScope(municipalityId: number): DataScope {
  return { municipalityId, council: true, userId: 0, children: "all", affiliation: null };
}

/**
 * Normalises role names given on input (CLI, API): legacy aliases become their
 * roles and the council mark. Unknown names are returned in `unknown`.
 */
export function normaliseRoles(names: readonly string[]): {
  roles: Role[];
  council: boolean;
  unknown: string[];
} {
  const roles = new Set<Role>();
  let council = false;
  const unknown: string[] = [];
  for (const raw of names) {
    const name = raw.trim();
    if (!name) continue;
    const alias = LEGACY_ROLE_ALIASES[name];
    if (alias) {
      for (const r of alias.roles) roles.add(r);
      council ||= alias.council;
    } else if (isRole(name)) roles.add(name);
    else unknown.push(name);
  }
  return { roles: ROLES.filter((r) => roles.has(r)), council, unknown };
}

/** Rows of the generated "who may do what" table (docs/security.md). */
export function policyTable(): { permission: Permission; roles: Role[] }[] {
  return PERMISSIONS.map((permission) => ({
    permission,
    roles: ROLES.filter((r) => GRANTS[permission].includes(r)),
  }));
}
export * from "./masking.ts";
