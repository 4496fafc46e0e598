import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { BreakGlassReportPage } from "./BreakGlassReportPage.tsx";

export const breakGlassRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/break-glass",
    component: BreakGlassReportPage,
  }),
];
