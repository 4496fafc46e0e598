import { createRoute } from "@tanstack/react-router";
import { z } from "zod";
import { rootRoute } from "../../app/root.tsx";
import { AnswerPage } from "./AnswerPage.tsx";
import { InboxPage } from "./InboxPage.tsx";
import { RequestPage } from "./RequestPage.tsx";
import { SheetsPage } from "./SheetsPage.tsx";
import { TemplatesPage } from "./TemplatesPage.tsx";

const listParams = z.object({
  status: z.enum(["open", "sent", "overdue", "answered", "withdrawn"]).optional().catch(undefined),
  personId: z.string().max(40).optional().catch(undefined),
});

export const sheetRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/sheets",
    validateSearch: (s: Record<string, unknown>) => listParams.parse(s),
    component: SheetsPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/sheets/templates",
    component: TemplatesPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/sheets/requests/$requestId",
    component: RequestPage,
  }),
  createRoute({ getParentRoute: () => rootRoute, path: "/sheets/inbox", component: InboxPage }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/sheets/inbox/$requestId",
    component: AnswerPage,
  }),
];
