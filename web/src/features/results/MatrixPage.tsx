import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { ChildrenListView, RuleMatrixView } from "../../lib/types.ts";
import { FilterForm } from "./FilterForm.tsx";
import { apiQuery, type ResultsSearch } from "./search.ts";

const ROW_HEIGHT = 36;

/**
 * ルール詳細 (開成町's second dashboard): the children of 判定一覧's filter ×
 * the type's rule items, ● hit / blank not hit, with row and column totals.
 * Rows are virtualised (TanStack Virtual) so thousands scroll smoothly; the
 * header row and the name column stay in place.
 */
export function MatrixPage({ search }: { search: ResultsSearch }) {
  const query = apiQuery(search, false);
  const q = useQuery({
    queryKey: ["matrix", query],
    queryFn: () => api<RuleMatrixView>(`/runs/latest/matrix?${query}`),
    retry: false,
  });
  // The filter form's choices (types, 所属, 学年, items): one row of the list.
  const facets = useQuery({
    queryKey: ["children", `${query}&limit=1`],
    queryFn: () => api<ChildrenListView>(`/runs/latest/children?${query}&limit=1`),
    retry: false,
  });
  const d = q.data;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: d?.rows.length ?? 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const error = q.error instanceof ApiFailure ? q.error : null;
  const typeName = d?.run.difficulties.find((t) => t.id === d.type)?.name ?? "";
  const items = virtual.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = virtual.getTotalSize() - (items.at(-1)?.end ?? 0);
  const cols = (d?.items.length ?? 0) + 3;

  return (
    <section>
      <h1>ルール詳細</h1>
      {error?.status === 404 ? (
        <p className="alert alert-info">
          まだ判定を実行していません。データ取込の後に、月次実行（mimamori
          run）で名寄せと判定を行ってください。
        </p>
      ) : (
        <>
          <p className="lead">
            {d
              ? `判定実行 ${d.run.id}（基準日 ${d.run.asOf}）の${typeName}。こどもごとに規則の項目の該当（●）を示します。`
              : "読み込み中…"}
          </p>
          <FilterForm
            key={JSON.stringify(search)}
            search={search}
            data={facets.data}
            to="/results/matrix"
          />
          {error && (
            <p role="alert" className="alert alert-error">
              {/* The reason too (e.g. 下限 above 上限), without the field's code name. */}
              {[error.message, ...error.details.map((d) => d.replace(/^[\w.]+: /, ""))].join(" ")}
            </p>
          )}
          {d && (
            <>
              <p role="status" data-testid="matrix-total">
                該当 <strong>{d.total}</strong> 人
                {d.truncated ? `（先頭 ${d.rows.length} 人を表示。条件を絞ってください）` : ""}{" "}
                <Link to="/results" search={search}>
                  この条件の判定一覧
                </Link>
              </p>
              {d.rows.length === 0 ? (
                <p className="alert alert-info">
                  条件に合うこどもはいません。条件をゆるめてください。
                </p>
              ) : (
                <div ref={scrollRef} className="matrix-scroll">
                  <table className="table matrix" data-testid="matrix">
                    <caption className="visually-hidden">ルール詳細（{typeName}）</caption>
                    <thead>
                      <tr>
                        <th scope="col" className="sticky-col">
                          氏名
                        </th>
                        <th scope="col">点数</th>
                        {d.items.map((it) => (
                          <th scope="col" key={it.id} title={it.name}>
                            <abbr title={it.name}>{it.id}</abbr>
                            <span className="weight">{it.weight}点</span>
                          </th>
                        ))}
                        <th scope="col">該当数</th>
                      </tr>
                    </thead>
                    <tbody>
                      {padTop > 0 && (
                        <tr className="spacer">
                          <td colSpan={cols} style={{ height: padTop, padding: 0 }} />
                        </tr>
                      )}
                      {items.map((v) => {
                        const r = d.rows[v.index] as RuleMatrixView["rows"][number];
                        const hits = [...r.hits].filter((h) => h === "1").length;
                        return (
                          <tr
                            key={r.personId}
                            style={{ height: ROW_HEIGHT }}
                            data-testid="matrix-row"
                          >
                            <th scope="row" className="sticky-col">
                              <a href={`/children/${encodeURIComponent(r.personId)}`}>
                                {r.name ?? r.personId}
                              </a>
                            </th>
                            <td className="num">{r.score ?? "—"}</td>
                            {[...r.hits].map((h, k) => (
                              <td key={d.items[k]?.id} className="hit">
                                {h === "1" ? (
                                  <>
                                    <span aria-hidden="true">●</span>
                                    <span className="visually-hidden">該当</span>
                                  </>
                                ) : (
                                  <span className="visually-hidden">非該当</span>
                                )}
                              </td>
                            ))}
                            <td className="num" data-testid="row-total">
                              {hits}
                            </td>
                          </tr>
                        );
                      })}
                      {padBottom > 0 && (
                        <tr className="spacer">
                          <td colSpan={cols} style={{ height: padBottom, padding: 0 }} />
                        </tr>
                      )}
                    </tbody>
                    <tfoot>
                      <tr>
                        <th scope="row" className="sticky-col">
                          合計（{d.total} 人）
                        </th>
                        <td />
                        {d.columnTotals.map((n, k) => (
                          <td key={d.items[k]?.id} className="num" data-testid="column-total">
                            {n}
                          </td>
                        ))}
                        <td className="num">{d.columnTotals.reduce((a, b) => a + b, 0)}</td>
                      </tr>
                    </tfoot>
                  </table>
                </div>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}
