import type { Permission } from "../lib/types.ts";

/** One entry of the side menu; `permission` hides it from users the API would refuse. */
export interface NavItem {
  to: string;
  label: string;
  /** Menu group (業務 / データ / 管理). */
  group: "work" | "data" | "admin" | "account";
  permission?: Permission;
  /** Sort order within the group. */
  order: number;
}

export const NAV_GROUP_LABELS: Record<NavItem["group"], string> = {
  work: "業務",
  data: "データ",
  admin: "管理",
  account: "アカウント",
};
