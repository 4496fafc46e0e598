import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { ChildPage } from "./ChildPage.tsx";

export const childRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/children/$personId",
    component: ChildPage,
  }),
];
