import { createRoute } from "@tanstack/react-router";
import { rootRoute } from "../../app/root.tsx";
import { MailSettingsPage } from "./MailSettingsPage.tsx";
import { MyMailPage } from "./MyMailPage.tsx";

export const mailRoutes = [
  createRoute({
    getParentRoute: () => rootRoute,
    path: "/mail-settings",
    component: MailSettingsPage,
  }),
  createRoute({ getParentRoute: () => rootRoute, path: "/account/mail", component: MyMailPage }),
];
