import type { NavItem } from "../../app/nav.ts";

export const breakGlassNav: NavItem[] = [
  {
    to: "/break-glass",
    label: "緊急時の閲覧の報告",
    group: "admin",
    order: 42,
    permission: "breakglass.report",
  },
];
