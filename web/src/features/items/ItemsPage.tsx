import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { api } from "../../lib/api.ts";
import { catalogLabel, effectiveFromLabel, ruleLabel } from "../../lib/rule-label.ts";
import type { AddedItem, ItemCatalogView, SourceList } from "../../lib/types.ts";
import { ErrorBox } from "../sources/ErrorBox.tsx";
import { FieldError, invalid } from "../sources/FieldError.tsx";
import { CRITERIA, type ItemForm, itemForm, SCOPES } from "./forms.ts";

const LEVEL = { child: "こども", household: "世帯", mother: "母" } as const;

/** 「2025-04-01 から」, or 「当初から」 for the built-in rule set (rule-label.ts). */
function since(date: string): string {
  const label = effectiveFromLabel(date);
  return label === date ? `${date} から` : label;
}

const EMPTY: ItemForm = {
  id: "",
  name: "",
  level: "child",
  source: "",
  scope: "self",
  choice: "any",
  column: "",
  value: "",
  values: "",
  minRows: "",
  withinMonths: "",
  json: "",
  basis: "",
  purpose: "",
  legalBasis: "",
  version: "",
  effectiveFrom: "",
  note: "",
};

/** The item the form describes (docs/sources-and-items.md item format); checked by the server. */
function itemOf(f: ItemForm): Record<string, unknown> {
  let criterion: unknown;
  if (f.choice === "json") {
    try {
      criterion = JSON.parse(f.json);
    } catch {
      throw new Error("条件の JSON を読めません。書式を確認してください。");
    }
  } else {
    const where =
      f.choice === "any"
        ? []
        : f.choice === "true"
          ? [{ op: "true", column: f.column }]
          : f.choice === "in"
            ? [
                {
                  op: "in",
                  column: f.column,
                  values: f.values
                    .split(/[、,，]/)
                    .map((v) => v.trim())
                    .filter((v) => v !== ""),
                },
              ]
            : [{ op: f.choice, column: f.column, value: Number(f.value) }];
    criterion = {
      kind: "record",
      source: f.source,
      scope: f.scope,
      where,
      ...(f.minRows === "" ? {} : { minRows: Number(f.minRows) }),
      ...(f.withinMonths === "" ? {} : { withinMonths: Number(f.withinMonths) }),
    };
  }
  const sources =
    criterion && typeof criterion === "object" && "source" in criterion
      ? [String((criterion as { source: unknown }).source)]
      : [f.source];
  return {
    id: f.id.trim(),
    name: f.name.trim(),
    level: f.level,
    sources,
    criterion,
    basis: f.basis.trim(),
    ...(f.purpose.trim() === "" ? {} : { purpose: f.purpose.trim() }),
    ...(f.legalBasis === "" ? {} : { legalBasis: f.legalBasis }),
  };
}

/**
 * データ項目 (総括管理): the catalog of the rule version in force — level,
 * sources, criterion, purpose and legal basis, and the types that weigh each
 * item — and a form that adds an item over any source (built-in or the
 * municipality's own) with its weights, saved as a new rule version.
 */
export function ItemsPage() {
  const qc = useQueryClient();
  const items = useQuery({ queryKey: ["items"], queryFn: () => api<ItemCatalogView>("/items") });
  const sources = useQuery({ queryKey: ["sources"], queryFn: () => api<SourceList>("/sources") });
  const form = useForm<ItemForm>({ resolver: zodResolver(itemForm), defaultValues: EMPTY });
  const errors = form.formState.errors;
  const f = form.watch();
  const [weights, setWeights] = useState<Record<string, string>>({});
  const add = useMutation({
    mutationFn: (f: ItemForm) =>
      api<AddedItem>("/items", {
        method: "POST",
        body: {
          item: itemOf(f),
          weights: Object.fromEntries(
            Object.entries(weights)
              .filter(([, w]) => w.trim() !== "")
              .map(([d, w]) => [d, Number(w)]),
          ),
          version: f.version,
          effectiveFrom: f.effectiveFrom,
          note: f.note,
        },
      }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["items"] });
      void qc.invalidateQueries({ queryKey: ["rules"] });
    },
  });
  /** register() plus the field's error wiring (aria-invalid, aria-describedby). */
  const field = (k: keyof ItemForm) => ({
    ...form.register(k),
    ...invalid(errors[k], `item-${k}-error`),
  });
  const err = (k: keyof ItemForm) => (
    <FieldError id={`item-${k}-error`} text={errors[k]?.message} />
  );
  const source = sources.data?.sources.find((s) => s.id === f.source);
  const columns = (source?.columns ?? []).filter((c) =>
    f.choice === "true"
      ? c.type === "bool"
      : f.choice === "ge" || f.choice === "le"
        ? c.type === "number"
        : f.choice === "in"
          ? c.type === "code"
          : true,
  );
  const data = items.data;

  return (
    <section>
      <h1>データ項目</h1>
      <p className="lead">
        判定に使うデータ項目の一覧です（いま有効な規則の版）。項目を追加すると、困難の種類ごとの重みと共に新しい規則の版として保存され、適用開始日以降の判定で使われます。
      </p>
      <ErrorBox error={items.error ?? sources.error} />
      {data && (
        <table aria-label="データ項目の一覧">
          <caption>
            規則の版 {ruleLabel(data.version)}（{since(data.effectiveFrom)}）、項目の定義{" "}
            {catalogLabel(data.catalogVersion)}
          </caption>
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">名称</th>
              <th scope="col">単位</th>
              <th scope="col">取り込み元</th>
              <th scope="col">条件</th>
              <th scope="col">使う種類と重み</th>
              <th scope="col">利用目的・法的根拠</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((i) => (
              <tr key={i.id} data-item={i.id}>
                <td>{i.id}</td>
                <td>{i.name}</td>
                <td>{LEVEL[i.level]}</td>
                <td>
                  {/* 取り込み元 by its Japanese name (the id when the list is not loaded yet). */}
                  {i.sources
                    .map((id) => sources.data?.sources.find((x) => x.id === id)?.name ?? id)
                    .join("・")}
                </td>
                <td>
                  {/* The criterion as a sentence; its JSON (the definition file's form) on request. */}
                  <p className="criterion-text">{i.criterionText}</p>
                  <details>
                    <summary>定義ファイルの形で見る</summary>
                    <pre>{JSON.stringify(i.criterion, null, 1)}</pre>
                  </details>
                </td>
                <td>{i.types.map((t) => `${t.name} ${t.weight}`).join("、") || "（未使用）"}</td>
                <td>
                  {i.purpose ?? "（未記入）"}
                  <br />
                  法的根拠: {i.legalBasis ?? "未記入"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {data && sources.data && (
        <form
          className="card form-card"
          aria-labelledby="item-title"
          onSubmit={form.handleSubmit((values) => add.mutate(values))}
          noValidate
        >
          <h2 id="item-title">データ項目を追加</h2>
          <label className="field">
            <span>ID（英字で始まる16文字まで。例: N01）</span>
            <input {...field("id")} />
          </label>
          {err("id")}
          <label className="field">
            <span>名称</span>
            <input {...field("name")} />
          </label>
          {err("name")}
          <label className="field">
            <span>単位</span>
            <select {...field("level")}>
              {Object.entries(LEVEL).map(([k, v]) => (
                <option key={k} value={k}>
                  {v}
                </option>
              ))}
            </select>
          </label>

          <label className="field">
            <span>条件の種類</span>
            <select {...field("choice")}>
              {Object.entries(CRITERIA).map(([k, v]) => (
                <option key={k} value={k}>
                  {v}
                </option>
              ))}
            </select>
          </label>

          {f.choice === "json" ? (
            <>
              <label className="field">
                <span>条件（JSON）</span>
                <textarea {...field("json")} rows={6} />
              </label>
              {err("json")}
            </>
          ) : (
            <>
              <label className="field">
                <span>取り込み元</span>
                <select {...field("source")}>
                  <option value="">選んでください</option>
                  {sources.data.sources.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </label>
              {err("source")}
              <label className="field">
                <span>だれの行</span>
                <select {...field("scope")}>
                  {Object.entries(SCOPES).map(([k, v]) => (
                    <option key={k} value={k}>
                      {v}
                    </option>
                  ))}
                </select>
              </label>

              {f.choice !== "any" && (
                <>
                  <label className="field">
                    <span>列</span>
                    <select {...field("column")}>
                      <option value="">選んでください</option>
                      {columns.map((c) => (
                        <option key={c.name} value={c.name}>
                          {c.name}（{c.typeName}）
                        </option>
                      ))}
                    </select>
                  </label>
                  {err("column")}
                </>
              )}
              {(f.choice === "ge" || f.choice === "le") && (
                <>
                  <label className="field">
                    <span>基準値</span>
                    <input type="number" step="any" {...field("value")} />
                  </label>
                  {err("value")}
                </>
              )}
              {f.choice === "in" && (
                <>
                  <label className="field">
                    <span>値（読点で区切る）</span>
                    <input {...field("values")} />
                  </label>
                  {err("values")}
                </>
              )}
              <label className="field">
                <span>行の数がこれ以上（空欄は1）</span>
                <input type="number" min={1} {...field("minRows")} />
              </label>
              {err("minRows")}
              <label className="field">
                <span>基準日から遡る月数（空欄は期間を限らない）</span>
                <input type="number" min={1} {...field("withinMonths")} />
              </label>
              {err("withinMonths")}
            </>
          )}
          <label className="field">
            <span>根拠（項目と基準値の出典）</span>
            <input {...field("basis")} />
          </label>
          {err("basis")}
          <label className="field">
            <span>利用目的</span>
            <textarea {...field("purpose")} />
          </label>
          {err("purpose")}
          <label className="field">
            <span>法的根拠</span>
            <select {...field("legalBasis")}>
              <option value="">選んでください</option>
              {data.legalBases.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          </label>
          {err("legalBasis")}
          <fieldset>
            <legend>使う困難の種類と重み（空欄の種類では使いません）</legend>
            {data.difficulties.map((d) => (
              <label className="field" key={d.id}>
                <span>{d.name}の重み</span>
                <input
                  type="number"
                  step="any"
                  value={weights[d.id] ?? ""}
                  onChange={(e) => setWeights((w) => ({ ...w, [d.id]: e.target.value }))}
                />
              </label>
            ))}
          </fieldset>
          <label className="field">
            <span>新しい版の名前</span>
            <input {...field("version")} />
          </label>
          {err("version")}
          <label className="field">
            <span>適用開始日</span>
            <input type="date" {...field("effectiveFrom")} />
          </label>
          {err("effectiveFrom")}
          <label className="field">
            <span>変更の理由（メモ）</span>
            <textarea {...field("note")} />
          </label>
          {err("note")}
          <button type="submit" className="button button-primary" disabled={add.isPending}>
            項目を追加して保存
          </button>
          <ErrorBox error={add.error} />
          {add.data && (
            <p role="status">
              保存しました（元の版 {add.data.base}、変更 {add.data.changes.length}{" "}
              件）。適用開始日以降の判定から使われます。
            </p>
          )}
        </form>
      )}
    </section>
  );
}
