import type { Permission } from "../lib/types.ts";

/**
 * The permission each page needs, by route path: the permission of the API
 * route the page reads first (src/domain/policy, the same GRANTS the API
 * enforces; the session carries the user's permissions). A page whose
 * permission the user lacks is not rendered at all — the shell shows
 * 「権限がありません」 at once instead of the page's form. This only spares the
 * user a form the API would refuse: the API still decides on every request.
 * `"authenticated"`: any signed-in user. Every route in features/* must be
 * listed (test/web-guards.test.ts).
 */
export const PAGE_PERMISSIONS: Readonly<Record<string, Permission | "authenticated">> = {
  "/": "authenticated",
  "/password": "authenticated",
  "/account/second-factor": "authenticated",
  "/dashboard": "runs.view",
  "/results": "children.list",
  "/results/matrix": "children.list",
  "/search": "children.search",
  "/children/$personId": "children.view",
  "/households/$householdNo": "households.view",
  "/validation": "stats.view",
  "/review-lists": "cases.manage",
  "/review-lists/$listId": "cases.manage",
  "/conferences": "cases.manage",
  "/conferences/$conferenceId": "cases.manage",
  "/cases/$caseId": "cases.work",
  "/sheets": "cases.work",
  "/sheets/templates": "cases.work",
  "/sheets/requests/$requestId": "cases.work",
  "/sheets/inbox": "sheets.answer",
  "/sheets/inbox/$requestId": "sheets.answer",
  "/imports": "data.import",
  "/manual": "data.import",
  "/linkage/reviews": "linkage.review",
  "/monthly-run": "runs.view",
  "/analysis/pseudonymised": "stats.pseudonymised",
  "/users": "users.manage",
  "/audit": "audit.read",
  "/users/inventory": "audit.read",
  "/audit/persons": "audit.read",
  "/audit/users": "audit.read",
  "/retention": "settings.manage",
  "/rules": "rules.manage",
  "/sources": "rules.manage",
  "/items": "rules.manage",
  "/models": "rules.manage",
  "/masking-rules": "settings.manage",
  "/break-glass": "breakglass.report",
  "/rights": "rights.manage",
  "/mail-settings": "users.manage",
  "/account/mail": "authenticated",
};

/** Whether a user with these permissions may open the page at `routeId` (unknown routes: yes — the not-found page). */
export function mayOpen(routeId: string | undefined, permissions: readonly string[]): boolean {
  const need = routeId === undefined ? undefined : PAGE_PERMISSIONS[routeId];
  return need === undefined || need === "authenticated" || permissions.includes(need);
}
