import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { RunsPage } from "./RunsPage.tsx";

export const monthlyRunRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/monthly-run", component: RunsPage }),
];
