import { createRoute } from "@tanstack/react-router";
import { z } from "zod";
import { rootRoute } from "../../app/root.tsx";
import { PseudonymisedExportPage } from "./PseudonymisedExportPage.tsx";
import { RightsPage } from "./RightsPage.tsx";

const rightsSearch = z.object({
  person: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional()
    .catch(undefined),
});
export type RightsSearch = z.infer<typeof rightsSearch>;

export const rightsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/rights",
  validateSearch: rightsSearch,
  component: RightsPage,
});

export const rightsRoutes = [
  rightsRoute,
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/analysis/pseudonymised",
    component: PseudonymisedExportPage,
  }),
];
