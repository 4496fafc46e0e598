/**
 * The side menu: every feature's entries (features/<feature>/nav.ts). Kept apart
 * from the route tree so that the shell does not import the pages.
 */
import { accountNav } from "../features/account/nav.ts";
import { adminNav } from "../features/admin/nav.ts";
import { breakGlassNav } from "../features/break-glass/nav.ts";
import { casesNav } from "../features/cases/nav.ts";
import { dashboardNav } from "../features/dashboard/nav.ts";
import { homeNav } from "../features/home/nav.ts";
import { importNav } from "../features/imports/nav.ts";
import { itemsNav } from "../features/items/nav.ts";
import { mailNav } from "../features/mail/nav.ts";
import { maskingNav } from "../features/masking/nav.ts";
import { modelsNav } from "../features/models/nav.ts";
import { monthlyRunNav } from "../features/monthly-run/nav.ts";
import { resultsNav } from "../features/results/nav.ts";
import { reviewNav } from "../features/review/nav.ts";
import { rightsNav } from "../features/rights/nav.ts";
import { rulesNav } from "../features/rules/nav.ts";
import { searchNav } from "../features/search/nav.ts";
import { sheetNav } from "../features/sheets/nav.ts";
import { sourcesNav } from "../features/sources/nav.ts";
import { validationNav } from "../features/validation/nav.ts";
import type { NavItem } from "./nav.ts";

export const NAV_ITEMS: readonly NavItem[] = [
  ...homeNav,
  ...importNav,
  ...reviewNav,
  ...rulesNav,
  ...sourcesNav,
  ...itemsNav,
  ...modelsNav,
  ...monthlyRunNav,
  ...adminNav,
  ...accountNav,
  ...dashboardNav,
  ...resultsNav,
  ...searchNav,
  ...validationNav,
  ...sheetNav,
  ...casesNav,
  ...breakGlassNav,
  ...rightsNav,
  ...maskingNav,
  ...mailNav,
];
