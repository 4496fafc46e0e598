/**
 * Types of the JSON the API returns, shared with the web app (web/ imports
 * server types only — STYLE.md). Keep them plain data.
 */

import type { ReviewPair } from "../db/review.repository.ts";
import type { Permission, Role } from "../domain/roles.ts";
import type { ImportReport } from "../pipeline/import.ts";

export interface CurrentUser {
  id: number;
  loginName: string;
  displayName: string;
  roles: Role[];
  permissions: Permission[];
  mustChangePassword: boolean;
  municipality: { id: number; name: string };
  lastLoginAt: string | null;
}

export interface SessionInfo {
  user: CurrentUser;
  /** Send back as the `X-CSRF-Token` header on every state-changing request. */
  csrfToken: string;
  /** Every role with its Japanese label (for display and the user form). */
  roleCatalog: { id: Role; label: string }[];
}

export interface UserSummary {
  id: number;
  loginName: string;
  displayName: string;
  roles: Role[];
  mustChangePassword: boolean;
  disabled: boolean;
  lastLoginAt: string | null;
}

export interface CreatedUser {
  user: UserSummary;
  /** Shown once to the administrator who created the account. */
  temporaryPassword: string;
}

export interface AuditItem {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
}

export interface AuditPage {
  items: AuditItem[];
  chain: { ok: boolean; rows: number; firstBadId: string | null };
}

/** A canonical source layout, for the upload and manual-entry forms. */
export interface SourceView {
  id: string;
  name: string;
  columns: { name: string; required: boolean; kind: string; options: string[] | undefined }[];
}

/** An import snapshot in the history list. */
export interface SnapshotView {
  id: number;
  sourceId: string;
  sourceName: string;
  version: number;
  asOf: string | null;
  fileName: string;
  format: string;
  encoding: string | null;
  manual: boolean;
  rowsRead: number;
  rowsStored: number;
  rowsRejected: number;
  importedAt: string;
  actor: string;
  supersededBy: number | null;
}

/** The import report, as JSON (dates as ISO strings). */
export type ImportReportView =
  | Exclude<ImportReport, { status: "duplicate" }>
  | (Omit<Extract<ImportReport, { status: "duplicate" }>, "importedAt"> & { importedAt: string });

/** The 名寄せ review queue of the latest run. */
export interface ReviewPage {
  run: { id: number; asOf: string; createdAt: string } | null;
  pairs: (Omit<ReviewPair, "decision"> & {
    decision: { same: boolean; decidedBy: string; decidedAt: string } | null;
  })[];
}
