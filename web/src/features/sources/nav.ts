import type { NavItem } from "../../app/nav.ts";

export const sourcesNav: NavItem[] = [
  { to: "/sources", label: "取り込み元", group: "admin", order: 21, permission: "rules.manage" },
];
