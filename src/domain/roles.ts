/**
 * Roles (least privilege). A user holds one or more; each permission below names
 * the roles that have it. The set follows the actors of the pilot reports: the
 * departments that hold data (保有・管理主体), the child-support staff who screen
 * and support, 要対協 council members, and analysts who see masked data only.
 */
export const ROLES = ["admin", "data_owner", "staff", "council", "analyst"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: "システム管理者",
  data_owner: "データ保有・管理担当",
  staff: "こども家庭支援担当",
  council: "要対協構成員",
  analyst: "分析担当（仮名化データのみ）",
};

export type Permission =
  | "users.manage"
  | "audit.read"
  | "data.import"
  | "linkage.review"
  | "children.view"
  | "yotaikyo.view"
  | "stats.view";

const GRANTS: Record<Permission, readonly Role[]> = {
  "users.manage": ["admin"],
  "audit.read": ["admin"],
  "data.import": ["data_owner"],
  // Deciding whether two records are one child (名寄せの確認) needs the records
  // themselves: the staff who may see children's data.
  "linkage.review": ["staff"],
  "children.view": ["staff", "council"],
  // 要対協 facts are shared only among council members (児童福祉法 25条の5 守秘義務).
  "yotaikyo.view": ["council"],
  "stats.view": ["analyst", "staff", "council"],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(roles: readonly string[], permission: Permission): boolean {
  return GRANTS[permission].some((r) => roles.includes(r));
}

/** Every permission a set of roles grants (for the UI to decide what to show). */
export function permissionsOf(roles: readonly string[]): Permission[] {
  return (Object.keys(GRANTS) as Permission[]).filter((p) => can(roles, p));
}
