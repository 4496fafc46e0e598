/**
 * 要対協 facts: what only council members may see (児童福祉法 25条の5 守秘義務).
 * The database enforces the same lists with RESTRICTIVE row-level security
 * policies (db/migrations/0040-row-security.ts; test/row-security.test.ts
 * checks the two agree).
 */
/** Sources whose rows are council-only: 要保護児童対策地域協議会 and 一時保護. */
export const COUNCIL_SOURCES: readonly string[] = ["yotaikyo", "ichiji_hogo"];
/** Data items derived only from those sources. */
export const COUNCIL_ITEMS: readonly string[] = ["B01", "B02"];

export function isCouncilOnlySource(sourceId: string): boolean {
  return COUNCIL_SOURCES.includes(sourceId);
}
