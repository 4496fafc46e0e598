import type { NavItem } from "../../app/nav.ts";

export const mailNav: NavItem[] = [
  {
    to: "/mail-settings",
    label: "メール通知の設定",
    group: "admin",
    order: 40,
    permission: "users.manage",
  },
  { to: "/account/mail", label: "メール通知（自分）", group: "account", order: 10 },
];
