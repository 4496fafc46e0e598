import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { MaskingRulesPage } from "./MaskingRulesPage.tsx";

export const maskingRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/masking-rules",
    component: MaskingRulesPage,
  }),
];
