import type { NavItem } from "../../app/nav.ts";

export const rulesNav: NavItem[] = [
  { to: "/rules", label: "判定の規則", group: "admin", order: 20, permission: "rules.manage" },
];
