import type { NavItem } from "../../app/nav.ts";

export const monthlyRunNav: NavItem[] = [
  { to: "/monthly-run", label: "月次実行", group: "data", order: 40, permission: "runs.view" },
];
