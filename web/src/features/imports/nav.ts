import type { NavItem } from "../../app/nav.ts";

export const importNav: NavItem[] = [
  { to: "/imports", label: "データの取込", group: "data", order: 10, permission: "data.import" },
  { to: "/manual", label: "手入力", group: "data", order: 20, permission: "data.import" },
];
