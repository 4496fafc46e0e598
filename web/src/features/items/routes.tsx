import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { ItemsPage } from "./ItemsPage.tsx";

export const itemsRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/items", component: ItemsPage }),
];
