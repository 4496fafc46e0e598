import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { useSession } from "../../app/session.tsx";
import { HomePage } from "./HomePage.tsx";

function Home() {
  return <HomePage session={useSession().session} />;
}

export const homeRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/", component: Home }),
];
