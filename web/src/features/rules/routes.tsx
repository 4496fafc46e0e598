import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { RulesPage } from "./RulesPage.tsx";

export const rulesRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/rules", component: RulesPage }),
];
