import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { SourcesPage } from "./SourcesPage.tsx";

export const sourcesRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/sources", component: SourcesPage }),
];
