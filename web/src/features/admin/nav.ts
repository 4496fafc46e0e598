import type { NavItem } from "../../app/nav.ts";

export const adminNav: NavItem[] = [
  { to: "/users", label: "利用者管理", group: "admin", order: 10, permission: "users.manage" },
  { to: "/audit", label: "監査ログ", group: "admin", order: 11, permission: "audit.read" },
  {
    to: "/users/inventory",
    label: "利用者の棚卸",
    group: "admin",
    order: 12,
    permission: "audit.read",
  },
  {
    to: "/audit/persons",
    label: "人ごとの監査レポート",
    group: "admin",
    order: 13,
    permission: "audit.read",
  },
  {
    to: "/audit/users",
    label: "利用者ごとの監査レポート",
    group: "admin",
    order: 14,
    permission: "audit.read",
  },
  {
    to: "/retention",
    label: "保存期間の設定",
    group: "admin",
    order: 31,
    permission: "settings.manage",
  },
];
