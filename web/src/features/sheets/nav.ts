import type { NavItem } from "../../app/nav.ts";

export const sheetNav: NavItem[] = [
  { to: "/sheets", label: "情報収集シート", group: "work", order: 40, permission: "cases.work" },
  {
    to: "/sheets/inbox",
    label: "届いた情報収集シート",
    group: "work",
    order: 5,
    permission: "sheets.answer",
  },
];
