/**
 * Pseudonymisation for analysts (issue 12): ids are keyed HMAC-SHA-256 of the
 * municipality's key (db pseudonym_key, never exported) over the person or
 * household id, so they are stable within a municipality across runs and
 * exports (a durable person id keeps its pseudonym) yet cannot be reversed or
 * recomputed without the key. Birth dates become year-month; names, kana,
 * addresses and 宛名番号 are never part of the export.
 */
import { createHmac } from "node:crypto";

/** A pseudonymised id: 20 hex characters (80 bits) of the HMAC, prefixed by its kind. */
export function pseudonym(key: Buffer, kind: "p" | "h", id: string): string {
  return `${kind}_${createHmac("sha256", key).update(`${kind}:${id}`).digest("hex").slice(0, 20)}`;
}

/** `2012-05-06` → `2012-05`; anything else → empty. */
export function birthMonth(date: string | null): string {
  return date && /^\d{4}-\d{2}/.test(date) ? date.slice(0, 7) : "";
}

/** Columns of the pseudonymised export (docs/cli.md, docs/security.md). */
export const PSEUDONYMISED_COLUMNS = [
  "pseudo_id",
  "household_pseudo_id",
  "birth_month",
  "sex",
  "items",
] as const;
