import type { NavItem } from "../../app/nav.ts";

export const rightsNav: NavItem[] = [
  {
    to: "/rights",
    label: "開示・訂正・利用停止",
    group: "admin",
    order: 45,
    permission: "rights.manage",
  },
  {
    to: "/analysis/pseudonymised",
    label: "仮名化データの出力",
    group: "data",
    order: 60,
    permission: "stats.pseudonymised",
  },
];
