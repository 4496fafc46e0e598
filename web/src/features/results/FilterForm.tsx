import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import type { ChildrenListView } from "../../lib/types.ts";
import type { ResultsSearch } from "./search.ts";

/** A facet's values as choices, with their counts. */
const facet = (values: readonly { value: string; n: number }[] | undefined): [string, string][] =>
  (values ?? []).map((a) => [a.value, `${a.value}（${a.n}）`]);

/** The filter's number fields and their names (for the message of a wrong one). */
const NUMBER_FIELDS = [
  ["scoreMin", "点数（下限）"],
  ["scoreMax", "点数（上限）"],
  ["ageMin", "年齢（下限）"],
  ["ageMax", "年齢（上限）"],
] as const satisfies readonly (readonly [keyof ResultsSearch, string])[];
/** What the API reads as a number of these fields: digits, optionally a decimal part. */
const NUMBER = /^\d+(\.\d+)?$/;

/** The filter of 判定一覧 / ルール詳細: edits a draft, applies it to the URL on 絞り込む. */
export function FilterForm({
  search,
  data,
  to,
}: {
  search: ResultsSearch;
  data: ChildrenListView | undefined;
  to: "/results" | "/results/matrix";
}) {
  const navigate = useNavigate();
  const [draft, setDraft] = useState<ResultsSearch>(search);
  const [numberErrors, setNumberErrors] = useState<string[]>([]);
  const set = (k: keyof ResultsSearch, v: string) =>
    setDraft((d) => ({ ...d, [k]: v === "" ? undefined : v }));
  function submit(e: FormEvent) {
    e.preventDefault();
    // A number the list cannot use is said, not dropped: the URL's schema would
    // otherwise read 「abc」 as no filter and list everyone without a word.
    const wrong = NUMBER_FIELDS.filter(([k]) => {
      const v = draft[k];
      return v !== undefined && !NUMBER.test(String(v));
    }).map(([k, label]) => `${label}は半角の数字で入力してください（「${draft[k]}」）。例: 1.5`);
    setNumberErrors(wrong);
    if (wrong.length > 0) return;
    void navigate({ to, search: { ...draft, page: undefined } });
  }
  const types = data?.run.difficulties ?? [];
  /** A text box of one filter field. */
  const text = (label: string, k: keyof ResultsSearch, inputMode: "decimal" | "numeric") => (
    <label className="field">
      <span>{label}</span>
      <input
        inputMode={inputMode}
        value={draft[k] ?? ""}
        aria-invalid={numberErrors.some((m) => m.startsWith(label)) || undefined}
        // 全角の数字（１．５）は半角として受け取る: the way people type in Japanese IMEs.
        onChange={(e) => set(k, e.target.value.normalize("NFKC").trim())}
      />
    </label>
  );
  /** A choice of one filter field, 「すべて」 first. */
  const choice = (label: string, k: keyof ResultsSearch, options: readonly [string, string][]) => (
    <label className="field">
      <span>{label}</span>
      <select value={draft[k] ?? ""} onChange={(e) => set(k, e.target.value)}>
        <option value="">すべて</option>
        {options.map(([value, name]) => (
          <option key={value} value={value}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <form className="card filter-form" onSubmit={submit} aria-label="絞り込み条件">
      <div className="filter-grid">
        <label className="field">
          <span>困難の類型</span>
          <select
            value={draft.type ?? data?.type ?? ""}
            onChange={(e) => set("type", e.target.value)}
          >
            {types.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        {choice("基準以上", "flagged", [
          ["yes", "基準以上のみ"],
          ["no", "基準未満のみ"],
        ])}
        {text("点数（下限）", "scoreMin", "decimal")}
        {text("点数（上限）", "scoreMax", "decimal")}
        {choice("所属（学校・保育所等）", "affiliation", facet(data?.facets.affiliations))}
        {choice("学年", "grade", facet(data?.facets.grades))}
        {text("年齢（下限）", "ageMin", "numeric")}
        {text("年齢（上限）", "ageMax", "numeric")}
        <label className="field filter-items">
          <span>該当項目の条件（AND / OR / NOT）</span>
          <input
            name="items"
            placeholder="例: B11 AND NOT B15"
            value={draft.items ?? ""}
            onChange={(e) => set("items", e.target.value)}
            list="item-ids"
          />
          <datalist id="item-ids">
            {data?.items.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </datalist>
        </label>
        {choice("支援中・判断済み", "supported", [
          ["no", "確認リストに載る子のみ"],
          ["yes", "支援中・判断済みの子のみ"],
        ])}
        {to === "/results" && (
          <>
            <label className="field filter-sort">
              <span>並べ順</span>
              <select
                value={draft.sort ?? "priority"}
                onChange={(e) => set("sort", e.target.value)}
              >
                <option value="priority">優先順（点数→総ポイント→年齢）</option>
                <option value="age">年齢順</option>
                <option value="affiliation">所属順</option>
              </select>
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={draft.households === "yes"}
                onChange={(e) => set("households", e.target.checked ? "yes" : "")}
              />
              世帯ごとにまとめる
            </label>
          </>
        )}
      </div>
      {numberErrors.length > 0 && (
        <div role="alert" className="alert alert-error" data-testid="filter-number-errors">
          {numberErrors.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      <div className="actions">
        <button type="submit" className="button button-primary">
          絞り込む
        </button>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => {
            setDraft({});
            void navigate({ to, search: {} });
          }}
        >
          条件をクリア
        </button>
      </div>
    </form>
  );
}
