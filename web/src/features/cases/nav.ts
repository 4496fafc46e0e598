import type { NavItem } from "../../app/nav.ts";

export const casesNav: NavItem[] = [
  {
    to: "/review-lists",
    label: "候補リスト",
    group: "work",
    order: 30,
    permission: "cases.manage",
  },
  {
    to: "/conferences",
    label: "カンファレンス",
    group: "work",
    order: 31,
    permission: "cases.manage",
  },
];
