/**
 * 取り込み元 (issue 14, 総括管理: permission `rules.manage`): every source the
 * municipality's imports read — the 19 built-ins, built-ins it extended, its
 * own — with columns, types, identity and event date; declaring one from the
 * page's form or an uploaded declaration file, checked exactly as
 * `mimamori source add` checks it (domain/sources/declaration.ts); removing
 * one of its own. Declaring and removing are audited (`source.declare`,
 * `source.remove`) by pipeline/sources.ts.
 */
import type { Layout } from "../../../domain/layouts.ts";
import { COLUMN_TYPES, parseDeclaration } from "../../../domain/sources/declaration.ts";
import {
  declareSource,
  loadSources,
  parseDeclarationText,
  removeSource,
} from "../../../pipeline/sources.ts";
import { actorOf, createRouter, json, jsonBody, policyRoute } from "../../openapi/route.ts";
import {
  declareBody,
  declaredSchema,
  removedSchema,
  sourceIdParam,
  sourcesSchema,
} from "./schema.ts";

const tags = ["取り込み元"];

function kindOf(l: Layout): "built_in" | "extended" | "own" {
  if (!l.builtIn) return "own";
  return l.declaration.extends ? "extended" : "built_in";
}

function view(l: Layout) {
  const typeOf = new Map(l.declaration.columns.map((c) => [c.name, c]));
  return {
    id: String(l.id),
    name: l.name,
    description: l.declaration.description ?? null,
    kind: kindOf(l),
    subject: l.subject,
    identify: {
      residentNo: l.declaration.identify?.residentNo ?? null,
      name: l.declaration.identify?.name ?? null,
      birthDate: l.declaration.identify?.birthDate ?? null,
    },
    eventDate: l.eventDate,
    // The declared columns (an extended built-in: the built-in's and the added ones).
    columns: l.columns
      .filter((c) => c.name !== "抽出日")
      .map((c) => {
        const d = typeOf.get(c.name);
        const type: string = d?.type ?? (c.type.kind === "enum" ? "code" : c.type.kind);
        return {
          name: c.name,
          type,
          typeName: COLUMN_TYPES[type as keyof typeof COLUMN_TYPES] ?? type,
          required: c.required,
          values: d?.values ? [...d.values] : null,
        };
      }),
  };
}

export const sourceRoutes = createRouter()
  .openapi(
    policyRoute("rules.manage", {
      method: "get",
      path: "/",
      tags,
      summary: "取り込み元の一覧（標準の19件と、この自治体が定義したもの）",
      responses: { 200: json(sourcesSchema) },
    }),
    async (c) => {
      const sources = await loadSources(c.get("deps").db, actorOf(c).municipalityId);
      return c.json(
        {
          sources: sources.layouts.map(view),
          columnTypes: Object.entries(COLUMN_TYPES).map(([id, name]) => ({ id, name })),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("rules.manage", {
      method: "post",
      path: "/",
      tags,
      summary: "取り込み元を定義する（フォームまたは定義ファイル。同じ ID は置き換え）",
      request: { body: jsonBody(declareBody) },
      responses: { 200: json(declaredSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const declaration =
        body.text !== undefined
          ? parseDeclarationText(
              body.text.replace(/^\ufeff/, ""),
              body.fileName ? `定義ファイル ${body.fileName}` : "定義ファイル",
            )
          : parseDeclaration(body.declaration, "入力した取り込み元の定義");
      // Audited by declareSource (source.declare).
      const { replaced, sources } = await declareSource(
        c.get("deps").db,
        actor.municipalityId,
        declaration,
        actor,
      );
      const l = sources.find(declaration.id) as Layout;
      return c.json(
        {
          id: l.id,
          name: l.name,
          replaced,
          columns: l.columns.length - 1,
          required: l.columns.filter((x) => x.required).map((x) => x.name),
          eventDate: l.eventDate,
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("rules.manage", {
      method: "delete",
      path: "/{id}",
      tags,
      summary: "この自治体が定義した取り込み元を削除する（取り込み済みの行は残る）",
      request: { params: sourceIdParam },
      responses: { 200: json(removedSchema) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      // Audited by removeSource (source.remove); a built-in is "not registered".
      await removeSource(c.get("deps").db, actorOf(c).municipalityId, id, actorOf(c));
      return c.json({ id }, 200);
    },
  );
