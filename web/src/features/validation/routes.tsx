import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { ValidationPage } from "./ValidationPage.tsx";

export const validationRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/validation", component: ValidationPage }),
];
