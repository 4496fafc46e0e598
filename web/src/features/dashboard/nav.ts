import type { NavItem } from "../../app/nav.ts";

export const dashboardNav: NavItem[] = [
  { to: "/dashboard", label: "ダッシュボード", group: "work", order: 10, permission: "runs.view" },
];
