import type { Context } from "hono";
import type { z } from "zod";
import { MimamoriError } from "../domain/errors.ts";

/** Reads a JSON body and validates it with `schema` (zod at every edge). */
export async function parseJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new MimamoriError(
      "invalid_input",
      "リクエストの形式が正しくありません（JSON を送信してください）。",
    );
  }
  return schema.parse(raw);
}

/** Validates query parameters with `schema`. */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return schema.parse(c.req.query());
}
