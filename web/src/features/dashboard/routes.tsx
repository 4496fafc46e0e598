import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { DashboardPage } from "./DashboardPage.tsx";

export const dashboardRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/dashboard", component: DashboardPage }),
];
