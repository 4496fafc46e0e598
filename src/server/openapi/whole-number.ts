/**
 * A number written in a URL (a path id, a page size, an offset) must be a plain
 * decimal integer. `z.coerce.number()` reads the string with JavaScript's
 * `Number`, which also takes "1e3" (1000), "0x10" (16), "1.0", " 1" and "" (0):
 * `/api/cases/1e3` was answered as case 1000. Every integer that arrives as text
 * is declared with {@link wholeNumber}, which accepts only the digits the API
 * itself writes ("1", "250"; no sign, exponent, point, space or leading zero)
 * and answers anything else with the route's Japanese message (400).
 */
import { z } from "@hono/zod-openapi";

/** The largest id PostgreSQL's `integer` holds; larger would fail in the query (500). */
export const MAX_INT4 = 2_147_483_647;

const DIGITS = /^(0|[1-9][0-9]{0,15})$/;

/**
 * A decimal integer in `[min, max]` read from text. `message` is the Japanese
 * sentence for every way it can be wrong (not digits, out of range).
 */
export function wholeNumber(message: string, min = 1, max = MAX_INT4) {
  return z
    .string({ error: message })
    .regex(DIGITS, message)
    .transform((s) => Number(s))
    .pipe(z.number().int().min(min, message).max(max, message))
    .openapi({ type: "integer", minimum: min, maximum: max });
}

/** A page size in a query: 1 … `max`, `fallback` when absent. */
export function pageSize(max: number, fallback: number) {
  return wholeNumber(`件数は 1 から ${max} までの整数で指定してください。`, 1, max)
    .optional()
    .transform((n) => n ?? fallback)
    .openapi({ default: fallback });
}

/** How many rows to skip (0 … `max`), 0 when absent. */
export function pageOffset(max: number) {
  return wholeNumber(`飛ばす件数は 0 から ${max} までの整数で指定してください。`, 0, max)
    .optional()
    .transform((n) => n ?? 0)
    .openapi({ default: 0 });
}

const DECIMAL = /^-?[0-9]{1,7}(\.[0-9]{1,6})?$/;

/**
 * A decimal number (a score bound, an age, a probability) read from text: digits
 * with an optional sign and point, as a form writes it ("1.5", "-2", "0.75").
 * `z.coerce.number()` also read "0x10" as 16 and an empty value as 0.
 */
export function decimalNumber(message: string, min: number, max: number) {
  return z
    .string({ error: message })
    .regex(DECIMAL, message)
    .transform((s) => Number(s))
    .pipe(z.number().min(min, message).max(max, message))
    .openapi({ type: "number", minimum: min, maximum: max });
}
