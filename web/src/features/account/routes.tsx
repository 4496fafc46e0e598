import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { useSession } from "../../app/session.tsx";
import { ChangePasswordPage } from "./ChangePasswordPage.tsx";
import { SecondFactorPage } from "./SecondFactorPage.tsx";

function Password() {
  const { session, setSession, logout } = useSession();
  return <ChangePasswordPage session={session} onChanged={setSession} onLogout={logout} />;
}

export const accountRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/password", component: Password }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/account/second-factor",
    component: SecondFactorPage,
  }),
];
