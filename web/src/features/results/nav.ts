import type { NavItem } from "../../app/nav.ts";

export const resultsNav: NavItem[] = [
  { to: "/results", label: "判定一覧", group: "work", order: 20, permission: "children.list" },
  {
    to: "/results/matrix",
    label: "ルール詳細",
    group: "work",
    order: 21,
    permission: "children.list",
  },
];
