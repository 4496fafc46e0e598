import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { HouseholdPage } from "./HouseholdPage.tsx";

export const householdRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/households/$householdNo",
    component: HouseholdPage,
  }),
];
