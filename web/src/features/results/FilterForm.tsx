import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import type { ChildrenListView } from "../../lib/types.ts";
import type { ResultsSearch } from "./search.ts";

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
  const set = (k: keyof ResultsSearch, v: string) =>
    setDraft((d) => ({ ...d, [k]: v === "" ? undefined : v }));
  function submit(e: FormEvent) {
    e.preventDefault();
    void navigate({ to, search: { ...draft, page: undefined } });
  }
  const types = data?.run.difficulties ?? [];
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
        <label className="field">
          <span>基準以上</span>
          <select value={draft.flagged ?? ""} onChange={(e) => set("flagged", e.target.value)}>
            <option value="">すべて</option>
            <option value="yes">基準以上のみ</option>
            <option value="no">基準未満のみ</option>
          </select>
        </label>
        <label className="field">
          <span>点数（下限）</span>
          <input
            inputMode="decimal"
            value={draft.scoreMin ?? ""}
            onChange={(e) => set("scoreMin", e.target.value)}
          />
        </label>
        <label className="field">
          <span>点数（上限）</span>
          <input
            inputMode="decimal"
            value={draft.scoreMax ?? ""}
            onChange={(e) => set("scoreMax", e.target.value)}
          />
        </label>
        <label className="field">
          <span>所属（学校・保育所等）</span>
          <select
            value={draft.affiliation ?? ""}
            onChange={(e) => set("affiliation", e.target.value)}
          >
            <option value="">すべて</option>
            {data?.facets.affiliations.map((a) => (
              <option key={a.value} value={a.value}>
                {a.value}（{a.n}）
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>学年</span>
          <select value={draft.grade ?? ""} onChange={(e) => set("grade", e.target.value)}>
            <option value="">すべて</option>
            {data?.facets.grades.map((a) => (
              <option key={a.value} value={a.value}>
                {a.value}（{a.n}）
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>年齢（下限）</span>
          <input
            inputMode="numeric"
            value={draft.ageMin ?? ""}
            onChange={(e) => set("ageMin", e.target.value)}
          />
        </label>
        <label className="field">
          <span>年齢（上限）</span>
          <input
            inputMode="numeric"
            value={draft.ageMax ?? ""}
            onChange={(e) => set("ageMax", e.target.value)}
          />
        </label>
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
        <label className="field">
          <span>支援中・判断済み</span>
          <select value={draft.supported ?? ""} onChange={(e) => set("supported", e.target.value)}>
            <option value="">すべて</option>
            <option value="no">確認リストに載る子のみ</option>
            <option value="yes">支援中・判断済みの子のみ</option>
          </select>
        </label>
        {to === "/results" && (
          <>
            <label className="field">
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
