import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { ModelsPage } from "./ModelsPage.tsx";

export const modelsRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/models", component: ModelsPage }),
];
