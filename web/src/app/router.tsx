/**
 * The route tree (TanStack Router) and the side menu. Each feature folder
 * exports its routes from `features/<feature>/routes.tsx` (add one import and
 * one line here) and its menu entries from `features/<feature>/nav.ts` (app/menu.ts).
 */
import { createRouter } from "@tanstack/react-router";
import { accountRoutes } from "../features/account/routes.tsx";
import { adminRoutes } from "../features/admin/routes.tsx";
import { breakGlassRoutes } from "../features/break-glass/routes.tsx";
import { casesRoutes } from "../features/cases/routes.tsx";
import { childRoutes } from "../features/child/routes.tsx";
import { dashboardRoutes } from "../features/dashboard/routes.tsx";
import { homeRoutes } from "../features/home/routes.tsx";
import { householdRoutes } from "../features/households/routes.tsx";
import { importRoutes } from "../features/imports/routes.tsx";
import { itemsRoutes } from "../features/items/routes.tsx";
import { mailRoutes } from "../features/mail/routes.tsx";
import { maskingRoutes } from "../features/masking/routes.tsx";
import { modelsRoutes } from "../features/models/routes.tsx";
import { monthlyRunRoutes } from "../features/monthly-run/routes.tsx";
import { resultsRoutes } from "../features/results/routes.tsx";
import { reviewRoutes } from "../features/review/routes.tsx";
import { rightsRoutes } from "../features/rights/routes.tsx";
import { rulesRoutes } from "../features/rules/routes.tsx";
import { searchRoutes } from "../features/search/routes.tsx";
import { sheetRoutes } from "../features/sheets/routes.tsx";
import { sourcesRoutes } from "../features/sources/routes.tsx";
import { validationRoutes } from "../features/validation/routes.tsx";
import { rootRoute } from "./root.tsx";

const routeTree = rootRoute.addChildren([
  ...homeRoutes,
  ...importRoutes,
  ...reviewRoutes,
  ...rulesRoutes,
  ...sourcesRoutes,
  ...itemsRoutes,
  ...modelsRoutes,
  ...monthlyRunRoutes,
  ...adminRoutes,
  ...accountRoutes,
  ...dashboardRoutes,
  ...resultsRoutes,
  ...childRoutes,
  ...householdRoutes,
  ...searchRoutes,
  ...validationRoutes,
  ...sheetRoutes,
  ...casesRoutes,
  ...breakGlassRoutes,
  ...rightsRoutes,
  ...maskingRoutes,
  ...mailRoutes,
]);

export const router = createRouter({ routeTree, defaultPreload: "intent" });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
