import type { NavItem } from "../../app/nav.ts";

export const itemsNav: NavItem[] = [
  { to: "/items", label: "データ項目", group: "admin", order: 22, permission: "rules.manage" },
];
