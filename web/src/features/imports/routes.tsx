import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { ImportPage } from "./ImportPage.tsx";
import { ManualEntryPage } from "./ManualEntryPage.tsx";

export const importRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: "/imports", component: ImportPage }),
  createRoute({ getParentRoute: () => rootRoute, path: "/manual", component: ManualEntryPage }),
];
