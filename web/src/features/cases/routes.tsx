import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { CasePage } from "./CasePage.tsx";
import { ConferencePage, ConferencesPage } from "./ConferencePage.tsx";
import { ReviewListPage, ReviewListsPage } from "./ReviewListsPage.tsx";

export const casesRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/review-lists",
    component: ReviewListsPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/review-lists/$listId",
    component: ReviewListPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/conferences",
    component: ConferencesPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/conferences/$conferenceId",
    component: ConferencePage,
  }),
  createRoute({ getParentRoute: () => rootRoute, path: "/cases/$caseId", component: CasePage }),
];
