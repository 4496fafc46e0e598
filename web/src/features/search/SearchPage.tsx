import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api } from "../../lib/api.ts";
import type { SearchResult } from "../../lib/types.ts";

const PAGE = 20;
const KIND: Record<SearchResult["kind"], string> = {
  name: "氏名",
  birthDate: "生年月日",
  residentNo: "宛名番号",
};

/** 検索: by 氏名 (異体字・かな・半角も可), 生年月日 or 宛名番号; the query lives in the URL. */
export function SearchPage() {
  const { q = "", page = 0 } = useSearch({ from: "/search" });
  const navigate = useNavigate({ from: "/search" });
  const [text, setText] = useState(q);
  const result = useQuery({
    queryKey: ["search", q, page],
    queryFn: () =>
      api<SearchResult>(`/search?q=${encodeURIComponent(q)}&limit=${PAGE}&offset=${page * PAGE}`),
    enabled: q.trim().length > 0,
    retry: false,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    void navigate({ search: { q: text.trim(), page: 0 } });
  }
  const data = result.data;
  return (
    <section>
      <h1>こどもの検索</h1>
      <p className="lead">
        氏名（漢字・かな。異体字や半角カナ、ひらがなでも探せます）、生年月日（2012-05-06、平成24年5月6日）、宛名番号で探せます。検索は監査ログに記録されます（検索語そのものは記録しません）。
      </p>
      <form className="search-form" onSubmit={submit} aria-label="こどもの検索">
        <label className="field" htmlFor="search-q">
          氏名・生年月日・宛名番号
          <input
            id="search-q"
            name="q"
            value={text}
            onChange={(e) => setText(e.target.value)}
            maxLength={60}
            autoComplete="off"
          />
        </label>
        <button type="submit" className="button button-primary">
          検索
        </button>
      </form>
      {result.error && (
        <p role="alert" className="alert alert-error">
          {result.error.message}
        </p>
      )}
      {result.isFetching && <p role="status">検索しています…</p>}
      {data && !data.run && (
        <p>まだ判定を実行していません。データを取り込んで月次実行をした後に検索できます。</p>
      )}
      {data?.run && (
        <>
          <p role="status">
            {KIND[data.kind]}で検索: {data.total} 人
            {data.total > PAGE
              ? `（${page * PAGE + 1}〜${Math.min(data.total, (page + 1) * PAGE)} 人目）`
              : ""}
          </p>
          {data.total === 0 ? (
            <p>
              見つかりませんでした。氏名の一部（姓だけ、名だけ）や生年月日でも探してみてください。閲覧できる範囲のこどもだけが表示されます。
            </p>
          ) : (
            <table className="table" data-testid="search-results">
              <thead>
                <tr>
                  <th scope="col">氏名</th>
                  <th scope="col">生年月日</th>
                  <th scope="col">世帯番号</th>
                  <th scope="col">基準以上の類型</th>
                </tr>
              </thead>
              <tbody>
                {data.hits.map((h) => (
                  <tr key={h.personId} data-person={h.personId}>
                    <td>
                      <Link to="/children/$personId" params={{ personId: h.personId }}>
                        {h.name ?? h.personId}
                      </Link>
                      <div className="muted">{h.nameKana}</div>
                    </td>
                    <td>
                      {h.birthDate ?? "—"}
                      {h.age !== null ? `（${h.age}歳）` : ""}
                    </td>
                    <td>{h.householdNo ?? "—"}</td>
                    <td>{h.flagged > 0 ? `${h.flagged} 類型` : "なし"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav className="actions" aria-label="検索結果のページ">
            {page > 0 && (
              <button
                type="button"
                className="button button-secondary"
                onClick={() => void navigate({ search: { q, page: page - 1 } })}
              >
                前へ
              </button>
            )}
            {(page + 1) * PAGE < data.total && (
              <button
                type="button"
                className="button button-secondary"
                onClick={() => void navigate({ search: { q, page: page + 1 } })}
              >
                次へ
              </button>
            )}
          </nav>
        </>
      )}
    </section>
  );
}
