/**
 * A `YYYY-MM-DD` field must also be a day on the calendar. The pattern alone
 * lets 2026-02-30 through, and JavaScript's Date.parse rolls it over to March,
 * so such a date used to reach PostgreSQL and answer 500. Every route schema
 * with a date adds `.superRefine(calendarDay)` after its pattern.
 */
import type { z } from "@hono/zod-openapi";
import { dateFromParts } from "../../domain/ja/date.ts";

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Adds a Japanese issue when `s` has the pattern but is not a real date. */
export function calendarDay(s: string, ctx: z.RefinementCtx): void {
  const m = ISO.exec(s);
  if (!m) return; // the pattern's own message says how to write it
  const result = dateFromParts(Number(m[1]), Number(m[2]), Number(m[3]), s);
  if (!result.ok) ctx.addIssue({ code: "custom", message: result.reason });
}
