import type { NavItem } from "../../app/nav.ts";

export const accountNav: NavItem[] = [
  { to: "/password", label: "パスワード変更", group: "account", order: 0 },
];
