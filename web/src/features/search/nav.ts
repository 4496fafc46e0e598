import type { NavItem } from "../../app/nav.ts";

export const searchNav: NavItem[] = [
  { to: "/search", label: "こどもの検索", group: "work", order: 25, permission: "children.search" },
];
