import { createRoute } from "@tanstack/react-router";
import { z } from "zod";
import { rootRoute } from "../../app/root.tsx";
import { SearchPage } from "./SearchPage.tsx";

const searchParams = z.object({
  q: z.string().max(60).optional().catch(undefined),
  page: z.coerce.number().int().min(0).max(500).optional().catch(undefined),
});

export const searchRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/search",
    validateSearch: (s: Record<string, unknown>) => searchParams.parse(s),
    component: SearchPage,
  }),
];
