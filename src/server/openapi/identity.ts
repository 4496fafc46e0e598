/**
 * The one place where a person's identity is masked on its way out of the API
 * (issue 12). A response schema marks its identity fields with
 * {@link identity} (one field: 氏名, カナ, 生年月日, …) or {@link identityRow}
 * (a source row, column → value: identity columns found by name). Every
 * route made with `policyRoute` whose JSON response schema holds a mark gets
 * the {@link maskResponses} step: after the handler, the body is walked
 * along the schema and each marked value is put in the form the
 * municipality's rules give the actor's roles (domain/policy/masking.ts).
 * A handler therefore returns identity as stored and cannot forget to mask.
 *
 * The marks are also in the OpenAPI document (`x-mimamori-identity`), where
 * test/security/masking-walk.test.ts reads them; that test also looks for
 * known identity values in every GET answer, so a field returned without a
 * mark fails it.
 */
import type { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { feedCacheOf } from "../../db/change-bus.ts";
import { createMaskingRepository, type MaskingRuleSet } from "../../db/masking.repository.ts";
import {
  formsForRoles,
  IDENTITY_FIELDS,
  type IdentityField,
  maskRow,
  maskValue,
  type RoleMasking,
} from "../../domain/policy/masking.ts";
import type { AppEnv } from "../app-env.ts";

/** The OpenAPI extension naming the identity field a schema holds (`row`: a source row). */
export const IDENTITY_EXTENSION = "x-mimamori-identity";

type Mark = { kind: "field"; field: IdentityField } | { kind: "row" };
const MARKS = new WeakMap<object, Mark>();

/**
 * Marks `schema` as holding identity field `field`. Use `.nullable()` schemas:
 * a hidden field is answered as null. A number marked `birthDate` is an age
 * (null when the birth date is hidden).
 */
export function identity<S extends z.ZodType>(field: IdentityField | "age", schema: S): S {
  const marked = schema.openapi({
    [IDENTITY_EXTENSION]: field === "age" ? "birthDate" : field,
  } as never) as S;
  MARKS.set(marked, { kind: "field", field: field === "age" ? "birthDate" : field });
  return marked;
}

/** Marks a source row (column → value): its identity columns (氏名, 宛名番号, 住所, …) are masked by name; a hidden column is left out. */
export function identityRow<S extends z.ZodType>(schema: S): S {
  const marked = schema.openapi({ [IDENTITY_EXTENSION]: "row" } as never) as S;
  MARKS.set(marked, { kind: "row" });
  return marked;
}

// biome-ignore lint/suspicious/noExplicitAny: zod's internal definition, walked generically
type Def = any;
const defOf = (schema: unknown): Def => (schema as { _zod?: { def?: Def } })?._zod?.def;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Children of a schema node (for {@link holdsIdentity}). */
function children(def: Def): unknown[] {
  switch (def?.type) {
    case "object":
      return Object.values(def.shape ?? {});
    case "array":
      return [def.element];
    case "union":
      return def.options ?? [];
    case "intersection":
      return [def.left, def.right];
    case "record":
      return [def.valueType];
    case "tuple":
      return def.items ?? [];
    case "pipe":
      return [def.in, def.out];
    case "lazy":
      return [def.getter()];
    default:
      return def?.innerType ? [def.innerType] : [];
  }
}

const holds = new WeakMap<object, boolean>();
/** Does the schema mark any identity field anywhere inside? */
export function holdsIdentity(schema: unknown, seen = new Set<unknown>()): boolean {
  if (!schema || typeof schema !== "object") return false;
  const known = holds.get(schema);
  if (known !== undefined) return known;
  if (MARKS.has(schema)) return true;
  if (seen.has(schema)) return false;
  seen.add(schema);
  const found = children(defOf(schema)).some((c) => holdsIdentity(c, seen));
  holds.set(schema, found);
  return found;
}

/** `value` (shaped by `schema`) with every marked identity value in its form. */
export function maskBySchema(schema: unknown, value: unknown, forms: RoleMasking): unknown {
  if (value === null || value === undefined || !schema || typeof schema !== "object") return value;
  const mark = MARKS.get(schema);
  if (mark?.kind === "field") return maskValue(mark.field, forms[mark.field], value);
  if (mark?.kind === "row") return isRecord(value) ? maskRow(forms, value) : value;
  if (!holdsIdentity(schema)) return value;
  const def = defOf(schema);
  switch (def?.type) {
    case "object": {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = { ...value };
      for (const [key, sub] of Object.entries(def.shape ?? {}))
        if (key in out) out[key] = maskBySchema(sub, out[key], forms);
      return out;
    }
    case "array":
      return Array.isArray(value) ? value.map((v) => maskBySchema(def.element, v, forms)) : value;
    case "record": {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = maskBySchema(def.valueType, v, forms);
      return out;
    }
    case "union": {
      // Each option masks only the keys it marks; applying all of them masks
      // whichever option the value is.
      let out: unknown = value;
      for (const option of def.options ?? []) out = maskBySchema(option, out, forms);
      return out;
    }
    case "intersection":
      return maskBySchema(def.right, maskBySchema(def.left, value, forms), forms);
    case "pipe":
      return maskBySchema(def.out, maskBySchema(def.in, value, forms), forms);
    case "lazy":
      return maskBySchema(def.getter(), value, forms);
    case "tuple":
      return Array.isArray(value)
        ? value.map((v, i) => maskBySchema(def.items?.[i], v, forms))
        : value;
    default:
      return def?.innerType ? maskBySchema(def.innerType, value, forms) : value;
  }
}

/**
 * The masking rules in force for the request's municipality, read once per
 * request (the child view names their version; CSV exports mask with them).
 */
export async function maskingOf(
  c: Context<AppEnv>,
): Promise<{ set: MaskingRuleSet; forms: RoleMasking }> {
  const cached = c.get("masking");
  if (cached) return cached;
  const actor = c.get("actor");
  if (!actor) throw new Error("maskingOf needs a signed-in actor");
  const db = c.get("deps").db;
  // The rules in force per municipality, cleared by a new version here or,
  // through NOTIFY (0092), in another process (db/change-bus.ts).
  const set = await feedCacheOf<MaskingRuleSet>(db, "masking", {
    topics: ["masking"],
    capacity: 1_000,
  }).get(String(actor.municipalityId), () =>
    createMaskingRepository(db).current(actor.municipalityId),
  );
  const masking = { set, forms: formsForRoles(set.rules, actor.roles) };
  c.set("masking", masking);
  return masking;
}

/**
 * The masking step of a route (added by `policyRoute` when the route's JSON
 * responses mark identity): rewrites the JSON body of every successful answer.
 */
export function maskResponses(
  schemas: Readonly<Record<number, unknown>>,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const schema = schemas[c.res.status];
    if (!schema || !c.get("actor")) return;
    if (!(c.res.headers.get("Content-Type") ?? "").includes("application/json")) return;
    const { set, forms } = await maskingOf(c);
    // Every field shown in full (e.g. a coordinator under the default rules):
    // masking would return the body unchanged, so it is not parsed and
    // written again (half of a cached 判定一覧 answer's CPU under load).
    if (IDENTITY_FIELDS.every((f) => forms[f] === "full")) {
      const headers = new Headers(c.res.headers);
      headers.set("X-Mimamori-Masking-Version", String(set.version));
      c.res = new Response(c.res.body, { status: c.res.status, headers });
      return;
    }
    const body = await c.res.json();
    const headers = new Headers(c.res.headers);
    headers.delete("Content-Length");
    headers.set("X-Mimamori-Masking-Version", String(set.version));
    c.res = new Response(JSON.stringify(maskBySchema(schema, body, forms)), {
      status: c.res.status,
      headers,
    });
  };
}

/** From a route's `responses`, the JSON schemas that mark identity, by status. */
export function identityResponseSchemas(
  responses: Readonly<Record<string | number, unknown>> | undefined,
): Record<number, unknown> | undefined {
  const out: Record<number, unknown> = {};
  for (const [status, r] of Object.entries(responses ?? {})) {
    const schema = (r as { content?: Record<string, { schema?: unknown }> })?.content?.[
      "application/json"
    ]?.schema;
    if (schema && holdsIdentity(schema)) out[Number(status)] = schema;
  }
  return Object.keys(out).length ? out : undefined;
}
