import type { NavItem } from "../../app/nav.ts";

export const maskingNav: NavItem[] = [
  {
    to: "/masking-rules",
    label: "マスキングルール",
    group: "admin",
    order: 30,
    permission: "settings.manage",
  },
];
