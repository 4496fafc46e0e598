import type { NavItem } from "../../app/nav.ts";

export const validationNav: NavItem[] = [
  { to: "/validation", label: "検証", group: "work", order: 50, permission: "stats.view" },
];
