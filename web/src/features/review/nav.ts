import type { NavItem } from "../../app/nav.ts";

export const reviewNav: NavItem[] = [
  {
    to: "/linkage/reviews",
    label: "名寄せの確認",
    group: "data",
    order: 30,
    permission: "linkage.review",
  },
];
