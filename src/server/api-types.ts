/**
 * Types of the JSON the API returns, shared with the web app (web/ imports
 * server types only — STYLE.md). Keep them plain data.
 */

import type { z } from "@hono/zod-openapi";
import type { ReviewPair } from "../db/review.repository.ts";
import type { Permission, Role } from "../domain/policy/index.ts";

export type { Permission, Role };

import type { auditDetailSchema, auditItemSchema, auditPageSchema } from "./routes/audit/schema.ts";
import type { currentUserSchema, sessionInfoSchema } from "./routes/auth/schema.ts";
import type {
  historySchema,
  importReportSchema,
  snapshotViewSchema,
  sourceViewSchema,
} from "./routes/imports/schema.ts";
import type {
  createdUserSchema,
  importSourceChoiceSchema,
  userSummarySchema,
} from "./routes/users/schema.ts";

export type CurrentUser = z.infer<typeof currentUserSchema>;
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export type UserSummary = z.infer<typeof userSummarySchema>;
export type CreatedUser = z.infer<typeof createdUserSchema>;
export type ImportSourceChoice = z.infer<typeof importSourceChoiceSchema>;

export type AuditItem = z.infer<typeof auditItemSchema>;
export type AuditDetail = z.infer<typeof auditDetailSchema>;
export type AuditPage = z.infer<typeof auditPageSchema>;

/** A canonical source layout, for the upload and manual-entry forms. */
export type SourceView = z.infer<typeof sourceViewSchema>;

/** An import snapshot in the history list. */
export type SnapshotView = z.infer<typeof snapshotViewSchema>;

/** The import report, as JSON (dates as ISO strings): the route's response schema. */
export type ImportReportView = z.infer<typeof importReportSchema>;
/** The import history (GET /api/imports/history). */
export type ImportHistoryView = z.infer<typeof historySchema>;

/** The paged 名寄せ review queue and its progress per run (issue 15). */
export type ReviewQueuePage = z.infer<typeof import("./routes/linkage/schema.ts").queuePageSchema>;
export type ReviewProgress = z.infer<typeof import("./routes/linkage/schema.ts").progressSchema>;

/** The 名寄せ review queue of the latest run. */
export interface ReviewPage {
  run: { id: number; asOf: string; createdAt: string } | null;
  pairs: (Omit<ReviewPair, "decision"> & {
    decision: { same: boolean; decidedBy: string; decidedAt: string } | null;
  })[];
}

import type {
  compareSchema as ruleCompareSchema,
  diffSchema as ruleDiffSchema,
  movesSchema as ruleMovesSchema,
  rulePreviewSchema,
  rulesOverviewSchema,
  savedRulesSchema,
} from "./routes/rules/schema.ts";

/** The sources and items pages (issue 14). */
export type SourceList = z.infer<typeof import("./routes/sources/schema.ts").sourcesSchema>;
export type DeclaredSource = z.infer<typeof import("./routes/sources/schema.ts").declaredSchema>;
export type ItemCatalogView = z.infer<typeof import("./routes/items/schema.ts").itemsSchema>;
export type AddedItem = z.infer<typeof import("./routes/items/schema.ts").addedItemSchema>;
export type ModelCardView = z.infer<typeof import("./routes/models/schema.ts").modelCardViewSchema>;
export type ModelLabels = z.infer<typeof import("./routes/models/schema.ts").labelsSchema>;
export type SavedModel = z.infer<typeof import("./routes/models/schema.ts").savedModelSchema>;
/** The rules page (issue 14). */
export type RulesOverview = z.infer<typeof rulesOverviewSchema>;
export type RulePreview = z.infer<typeof rulePreviewSchema>;
export type SavedRules = z.infer<typeof savedRulesSchema>;
export type RuleDiff = z.infer<typeof ruleDiffSchema>;
export type RuleComparison = z.infer<typeof ruleCompareSchema>;
export type RuleMoves = z.infer<typeof ruleMovesSchema>;
/** A monthly run with its stages (routes/run-jobs), and the list of runs. */
export type {
  RunJobListView,
  RunJobView,
} from "./routes/run-jobs/schema.ts";
// Run views (issue 11): dashboard, 判定一覧, ルール詳細.
export type DashboardView = z.infer<typeof import("./routes/runs/schema.ts").dashboardResponse>;
export type ChildrenListView = z.infer<typeof import("./routes/runs/schema.ts").listResponse>;
export type RuleMatrixView = z.infer<typeof import("./routes/runs/schema.ts").matrixResponse>;
export type RunListView = z.infer<typeof import("./routes/runs/schema.ts").runsResponse>;

// こども詳細, 世帯, 検索 and the home list (routes/child/schema.ts).
import type {
  childViewSchema,
  householdSchema,
  searchResultSchema,
  topFlaggedSchema,
} from "./routes/child/schema.ts";

export type ChildView = z.infer<typeof childViewSchema>;
export type HouseholdView = z.infer<typeof householdSchema>;
export type SearchResult = z.infer<typeof searchResultSchema>;
export type TopFlagged = z.infer<typeof topFlaggedSchema>;
export type ValidationView = z.infer<
  typeof import("./routes/validation/schema.ts").validationResponse
>;

import type { notificationListSchema } from "./routes/notifications/schema.ts";
// 情報収集シート and notifications (issue 13, wf-sheets).
import type {
  inboxListSchema,
  inboxRequestSchema,
  staffListSchema,
  staffRequestSchema,
  templateSchema,
} from "./routes/sheets/schema.ts";

export type SheetRequestView = z.infer<typeof staffRequestSchema>;
export type SheetRequestListView = z.infer<typeof staffListSchema>;
export type SheetInboxView = z.infer<typeof inboxListSchema>;
export type SheetInboxRequestView = z.infer<typeof inboxRequestSchema>;
export type SheetTemplateView = z.infer<typeof templateSchema>;
export type NotificationsView = z.infer<typeof notificationListSchema>;
// The screening workflow (issue 13).
type CaseSchemas = typeof import("./routes/cases/schema.ts");
export type ReviewListsView = z.infer<CaseSchemas["listsSchema"]>;
export type ReviewListView = z.infer<CaseSchemas["listViewSchema"]>;
export type CandidateCheckView = z.infer<CaseSchemas["candidateCheckSchema"]>;
export type ConferencesView = z.infer<CaseSchemas["conferencesSchema"]>;
export type ConferenceView = z.infer<CaseSchemas["conferenceViewSchema"]>;
export type CaseView = z.infer<CaseSchemas["caseViewSchema"]>;
export type PersonCaseView = z.infer<CaseSchemas["personCaseSchema"]>;
export type CaseStatusView = z.infer<CaseSchemas["caseStatusSchema"]>;
export type FollowUpsView = z.infer<CaseSchemas["followUpsSchema"]>;
export type AssigneesView = z.infer<CaseSchemas["assigneesSchema"]>;

import type { maskingViewSchema } from "./routes/masking/schema.ts";
/** Masking rules with their history (issue 12). */
export type MaskingRuleView = z.infer<typeof maskingViewSchema>;

import type {
  mailOverviewSchema,
  mailSettingsSchema,
  myEmailSchema,
} from "./routes/mail/schema.ts";
/** Mail about notifications (issue 13): the relay settings (no password), outbox status, own address. */
export type MailOverview = z.infer<typeof mailOverviewSchema>;
export type MailSettingsView = z.infer<typeof mailSettingsSchema>;
export type MyEmail = z.infer<typeof myEmailSchema>;

import type { breakGlassTargetSchema } from "./routes/privacy/schema.ts";
/** Whether break-the-glass can name a child (GET /api/break-glass/persons/{personId}). */
export type BreakGlassTarget = z.infer<typeof breakGlassTargetSchema>;
