import type { NavItem } from "../../app/nav.ts";

export const accountNav: NavItem[] = [
  { to: "/password", label: "パスワード変更", group: "account", order: 0 },
  { to: "/account/second-factor", label: "二要素認証の設定", group: "account", order: 1 },
];
