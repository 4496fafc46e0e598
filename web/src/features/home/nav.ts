import type { NavItem } from "../../app/nav.ts";

export const homeNav: NavItem[] = [{ to: "/", label: "ホーム", group: "work", order: 0 }];
