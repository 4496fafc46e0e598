/** Kept for imports written before the policy module: roles live in domain/policy. */
export {
  can,
  isRole,
  type Permission,
  permissionsOf,
  ROLE_LABELS,
  ROLES,
  type Role,
} from "./policy/index.ts";
