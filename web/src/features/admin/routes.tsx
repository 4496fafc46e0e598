import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { useSession } from "../../app/session.tsx";
import { AuditPage } from "./AuditPage.tsx";
import { UsersPage } from "./UsersPage.tsx";

function Users() {
  return <UsersPage session={useSession().session} />;
}

export const adminRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/users", component: Users }),
  createRoute({ getParentRoute: () => rootRoute, path: "/audit", component: AuditPage }),
];
