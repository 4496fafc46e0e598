import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { ReviewPage } from "./ReviewPage.tsx";

export const reviewRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/linkage/reviews", component: ReviewPage }),
];
