/**
 * Every API router and where it is mounted under /api. Add a resource here
 * (one line) after writing routes/<resource>/<resource>.route.ts with
 * `createRouter()` + `policyRoute()` (see README.md beside this file).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { auditRoutes } from "./audit/audit.route.ts";
import { authRoutes } from "./auth/auth.route.ts";
import {
  caseRoutes,
  conferenceRoutes,
  followUpRoutes,
  reviewListRoutes,
} from "./cases/cases.route.ts";
import { childRoutes, householdRoutes, searchRoutes } from "./child/child.route.ts";
import { importRoutes } from "./imports/imports.route.ts";
import { itemRoutes } from "./items/items.route.ts";
import { linkageRoutes } from "./linkage/linkage.route.ts";
import { mailRoutes } from "./mail/mail.route.ts";
import { maskingRoutes } from "./masking/masking.route.ts";
import { modelRoutes } from "./models/models.route.ts";
import { notificationRoutes } from "./notifications/notifications.route.ts";
import { analysisRoutes, breakGlassRoutes } from "./privacy/privacy.route.ts";
import { retentionRoutes } from "./retention/retention.route.ts";
import { rightsRoutes } from "./rights/rights.route.ts";
import { rulesRoutes } from "./rules/rules.route.ts";
import { runJobRoutes } from "./run-jobs/run-jobs.route.ts";
import { runRoutes } from "./runs/runs.route.ts";
import { sheetRoutes } from "./sheets/sheets.route.ts";
import { sourceRoutes } from "./sources/sources.route.ts";
import { userRoutes } from "./users/users.route.ts";
import { validationRoutes } from "./validation/validation.route.ts";

export const API_ROUTERS: readonly (readonly [string, OpenAPIHono<AppEnv>])[] = [
  ["/auth", authRoutes],
  ["/users", userRoutes],
  ["/audit", auditRoutes],
  ["/imports", importRoutes],
  ["/linkage", linkageRoutes],
  ["/runs", runRoutes],
  ["/rules", rulesRoutes],
  ["/run-jobs", runJobRoutes],
  ["/children", childRoutes],
  ["/households", householdRoutes],
  ["/search", searchRoutes],
  ["/validation", validationRoutes],
  ["/analysis", analysisRoutes],
  ["/break-glass", breakGlassRoutes],
  ["/review-lists", reviewListRoutes],
  ["/conferences", conferenceRoutes],
  ["/cases", caseRoutes],
  ["/follow-ups", followUpRoutes],
  ["/sheets", sheetRoutes],
  ["/notifications", notificationRoutes],
  ["/rights", rightsRoutes],
  ["/sources", sourceRoutes],
  ["/items", itemRoutes],
  ["/masking-rules", maskingRoutes],
  ["/models", modelRoutes],
  ["/mail", mailRoutes],
  ["/retention", retentionRoutes],
];
