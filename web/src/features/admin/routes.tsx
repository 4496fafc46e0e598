import { createRoute } from "@tanstack/react-router";
import { z } from "zod";
import { rootRoute } from "../../app/root.tsx";
import { useSession } from "../../app/session.tsx";
import { AuditPage } from "./AuditPage.tsx";
import { InventoryPage } from "./InventoryPage.tsx";
import { PersonReportPage } from "./PersonReportPage.tsx";
import { RetentionPage } from "./RetentionPage.tsx";
import { UserReportPage } from "./UserReportPage.tsx";
import { UsersPage } from "./UsersPage.tsx";

function Users() {
  return <UsersPage session={useSession().session} />;
}

const digits = z.string().regex(/^\d{1,19}$/);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
// Anything malformed in a shared link is dropped, not an error page.
const auditSearch = z.object({
  user: z.coerce.number().int().positive().optional().catch(undefined),
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/)
    .optional()
    .catch(undefined),
  person: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional()
    .catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  before: z.coerce.string().pipe(digits).optional().catch(undefined),
  id: z.coerce.string().pipe(digits).optional().catch(undefined),
});

export const adminRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/users", component: Users }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/users/inventory",
    component: InventoryPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/audit/persons",
    component: PersonReportPage,
  }),
  createRoute({ getParentRoute: () => rootRoute, path: "/retention", component: RetentionPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/audit/users", component: UserReportPage }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/audit",
    validateSearch: (s: Record<string, unknown>) => auditSearch.parse(s),
    component: AuditPage,
  }),
];
