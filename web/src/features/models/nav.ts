import type { NavItem } from "../../app/nav.ts";

export const modelsNav: NavItem[] = [
  { to: "/models", label: "モデルの学習", group: "admin", order: 23, permission: "rules.manage" },
];
