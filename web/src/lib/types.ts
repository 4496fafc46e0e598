// web/ imports server types only (STYLE.md): the API's JSON shapes.
export type {
  AuditItem,
  AuditPage,
  CreatedUser,
  CurrentUser,
  ImportHistoryView,
  ImportReportView,
  Permission,
  ReviewPage as ReviewPageData,
  Role,
  RuleComparison,
  RuleDiff,
  RulePreview,
  RulesOverview,
  RunJobListView,
  RunJobView,
  SavedRules,
  SessionInfo,
  SnapshotView,
  SourceView,
  UserSummary,
} from "../../../src/server/api-types.ts";
export type { ApiError as ApiErrorBody } from "../../../src/server/errors.ts";
