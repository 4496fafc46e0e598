/**
 * Which persons a reader may see (issue 11, spec api.md): ONE SQL predicate
 * made from the reader's `DataScope`, used by every child, household and
 * search query. A person outside it is answered exactly like a missing one.
 *
 * - `all` (coordinators): every person of the municipality's run;
 * - `none` (admin, auditor, data owner, analyst): nobody;
 * - `assigned` (支援担当): children whose current school or nursery — the
 *   latest 学齢簿 学校名 / 保育所在籍 施設名 row linked to them in the run — is
 *   the reader's affiliation, plus the children of the reader's cases
 *   (`casesOfReader`, the workflow's extension point);
 * - `requests` (所属 accounts): only what `casesOfReader` adds (children named
 *   in requests to the affiliation).
 */
import { type RawBuilder, sql } from "kysely";
import type { DataScope } from "../domain/policy/index.ts";
import { breakGlassGrant } from "./break-glass.repository.ts";
import { childrenOfAssignedCases } from "./case.repository.ts";
import { childrenOfRequests } from "./sheet.repository.ts";

/** Columns of the current school / nursery, per source. */
export const AFFILIATION_COLUMNS: Readonly<Record<string, string>> = {
  gakureibo: "学校名",
  hoiku_zaiseki: "施設名",
};

/**
 * The screening workflow's children of the reader (issue 13), an OR of one
 * branch per feature, each its own exported function in its repository:
 * children of cases assigned to the reader (`assigned`: case.repository.ts
 * `childrenOfAssignedCases`) and children of OPEN requests sent to the
 * reader's affiliation (`requests`: sheet.repository.ts `childrenOfRequests`;
 * only as far as each request's sharing mode allows — a 所属 account's child
 * view is built from the requests' shared snapshots, services/child.service.ts).
 */
export function casesOfReader(
  scope: DataScope,
  _linkRunId: number,
  personId: RawBuilder<string>,
): RawBuilder<boolean> {
  const branches: RawBuilder<boolean>[] = [];
  if (scope.children === "assigned") branches.push(childrenOfAssignedCases(scope, personId));
  if (scope.children === "requests") branches.push(childrenOfRequests(scope, personId));
  return branches.length > 0
    ? sql<boolean>`(${sql.join(branches, sql` OR `)})`
    : sql<boolean>`false`;
}

/** Whether the person's current school or nursery in the run is `affiliation`. */
export function currentAffiliationIs(
  affiliation: string,
  linkRunId: number,
  personId: RawBuilder<string>,
): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (
    SELECT 1 FROM (
      SELECT DISTINCT ON (lr.source_id)
             CASE lr.source_id WHEN 'gakureibo' THEN ir.data->>'学校名' ELSE ir.data->>'施設名' END AS place
        FROM link_record lr
        JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
       WHERE lr.run_id = ${linkRunId} AND lr.person_id = ${personId}
         AND lr.source_id IN ('gakureibo', 'hoiku_zaiseki')
       ORDER BY lr.source_id, ir.as_of DESC NULLS LAST, lr.snapshot_id DESC, lr.row_no DESC
    ) cur WHERE cur.place = ${affiliation})`;
}

/**
 * The predicate: true when the reader may see `personId` (a column or value)
 * of link run `linkRunId`. Callers also filter by `scope.municipalityId`.
 */
export function childAccess(
  scope: DataScope,
  linkRunId: number,
  personId: RawBuilder<string>,
): RawBuilder<boolean> {
  switch (scope.children) {
    case "all":
      return sql<boolean>`true`;
    case "none":
      return sql<boolean>`false`;
    case "assigned":
      // Break-the-glass grants (break-glass.repository.ts) add single children for a few hours.
      return scope.affiliation
        ? sql<boolean>`(${currentAffiliationIs(scope.affiliation, linkRunId, personId)} OR ${casesOfReader(scope, linkRunId, personId)} OR ${breakGlassGrant(scope, personId)})`
        : sql<boolean>`(${casesOfReader(scope, linkRunId, personId)} OR ${breakGlassGrant(scope, personId)})`;
    case "requests":
      return casesOfReader(scope, linkRunId, personId);
  }
}
