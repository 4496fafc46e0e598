/**
 * 判定一覧's filter as URL search params (validated with zod), so a filtered
 * list is a link one can share; the same params drive ルール詳細 and the export.
 */
import { z } from "zod";

const yesNo = z.enum(["yes", "no"]).optional().catch(undefined);
const num = z.coerce.number().optional().catch(undefined);
const text = z.string().max(400).optional().catch(undefined);

export const resultsSearch = z.object({
  type: text,
  flagged: yesNo,
  scoreMin: num,
  scoreMax: num,
  affiliation: text,
  grade: text,
  ageMin: num,
  ageMax: num,
  items: text,
  supported: yesNo,
  sort: z.enum(["priority", "age", "affiliation"]).optional().catch(undefined),
  households: yesNo,
  page: z.coerce.number().int().min(1).optional().catch(undefined),
});
export type ResultsSearch = z.infer<typeof resultsSearch>;

export const PAGE_SIZE = 50;

/** The API query string of a filter (page → offset; only set params). */
export function apiQuery(s: ResultsSearch, withPaging: boolean): string {
  const p = new URLSearchParams();
  for (const k of [
    "type",
    "flagged",
    "scoreMin",
    "scoreMax",
    "affiliation",
    "grade",
    "ageMin",
    "ageMax",
    "items",
    "supported",
  ] as const) {
    const v = s[k];
    if (v !== undefined && v !== "") p.set(k, String(v));
  }
  if (withPaging) {
    if (s.sort) p.set("sort", s.sort);
    if (s.households) p.set("households", s.households);
    p.set("limit", String(PAGE_SIZE));
    p.set("offset", String(((s.page ?? 1) - 1) * PAGE_SIZE));
  }
  return p.toString();
}
