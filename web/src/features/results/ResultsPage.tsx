import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type ColumnDef, flexRender, tableFeatures, useTable } from "@tanstack/react-table";
import { type FormEvent, useEffect, useMemo, useState } from "react";
import { useCan } from "../../app/session.tsx";
import { CsvExportForm } from "../../components/CsvExportForm.tsx";
import { ApiFailure, api } from "../../lib/api.ts";
import type { ChildrenListView } from "../../lib/types.ts";
import { CaseStatusCell, PickToList, useCaseStatus } from "../cases/PickToList.tsx";
import { FilterForm } from "./FilterForm.tsx";
import { apiQuery, PAGE_SIZE, type ResultsSearch } from "./search.ts";

type Row = ChildrenListView["rows"][number];

// Core features only: filtering, sorting and paging happen on the server.
const features = tableFeatures({});

/**
 * 判定一覧: every scored child of the newest run for one type, filtered,
 * ordered (score → total points → age) and paged by the server; filter in the
 * URL. Each child links to こども詳細. CSV export asks for a purpose (audited).
 */
/**
 * A performance mark set each time a page of 判定一覧 has rendered with its
 * data (issue 11: interactive < 1.5 s after navigation, measured by
 * test/e2e/run-views.browser.test.ts and bench/web.bench.ts).
 */
export const RESULTS_INTERACTIVE_MARK = "mimamori:results-interactive";

export function ResultsPage({ search }: { search: ResultsSearch }) {
  const navigate = useNavigate();
  const canExport = useCan("children.export");
  const query = apiQuery(search, true);
  const q = useQuery({
    queryKey: ["children", query],
    queryFn: () => api<ChildrenListView>(`/runs/latest/children?${query}`),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const d = q.data;
  useEffect(() => {
    if (d) performance.mark(RESULTS_INTERACTIVE_MARK);
  }, [d]);
  const canList = useCan("cases.manage");
  const caseStatus = useCaseStatus(d?.rows.map((r) => r.personId) ?? []);
  const itemNames = useMemo(() => new Map(d?.items.map((i) => [i.id, i.name])), [d]);
  const columns = useMemo<ColumnDef<typeof features, Row>[]>(
    () => [
      {
        id: "rank",
        header: "順位",
        cell: (c) => ((search.page ?? 1) - 1) * PAGE_SIZE + c.row.index + 1,
      },
      {
        id: "name",
        header: "氏名",
        cell: (c) => (
          <a
            href={`/children/${encodeURIComponent(c.row.original.personId)}`}
            data-testid="child-link"
          >
            {c.row.original.name ?? c.row.original.personId}
          </a>
        ),
      },
      { id: "age", header: "年齢", cell: (c) => c.row.original.age ?? "—" },
      { id: "affiliation", header: "所属", cell: (c) => c.row.original.affiliation ?? "—" },
      { id: "grade", header: "学年", cell: (c) => c.row.original.grade ?? "—" },
      { id: "household", header: "世帯番号", cell: (c) => c.row.original.householdNo ?? "—" },
      {
        id: "score",
        header: "点数",
        cell: (c) => (c.row.original.score === null ? "—" : c.row.original.score),
      },
      {
        id: "flagged",
        header: "基準以上",
        cell: (c) => (c.row.original.flagged ? <strong>基準以上</strong> : "—"),
      },
      { id: "total", header: "総ポイント", cell: (c) => c.row.original.totalPoints },
      {
        id: "items",
        header: "該当項目",
        cell: (c) => (
          <span className="item-chips">
            {c.row.original.items.map((i) => (
              <abbr key={i} title={itemNames.get(i) ?? i} className="chip">
                {i}
              </abbr>
            ))}
          </span>
        ),
      },
      {
        id: "excluded",
        header: "支援中・判断済み",
        cell: (c) => c.row.original.excludedBy.map((x) => x.name).join("、") || "—",
      },
      {
        id: "case",
        header: "候補リスト・ケース",
        cell: (c) => <CaseStatusCell status={caseStatus.get(c.row.original.personId)} />,
      },
    ],
    [itemNames, search.page, caseStatus],
  );
  const rows = useMemo(() => d?.rows ?? [], [d]);
  const table = useTable({ features, data: rows, columns });
  const page = search.page ?? 1;
  const pages = d ? Math.max(1, Math.ceil(d.total / PAGE_SIZE)) : 1;
  const typeName = d?.run.difficulties.find((t) => t.id === d.type)?.name ?? "";
  const error = q.error instanceof ApiFailure ? q.error : null;
  const noRun = error?.status === 404;

  return (
    <section>
      <h1>判定一覧</h1>
      {noRun ? (
        <p className="alert alert-info">
          まだ判定を実行していません。データ取込の後に、月次実行（mimamori
          run）で名寄せと判定を行ってください。
        </p>
      ) : (
        <>
          <p className="lead">
            {d
              ? `判定実行 ${d.run.id}（基準日 ${d.run.asOf}）の${typeName}。点数の高い順（同点は総ポイント、年齢の若い順）です。`
              : "読み込み中…"}
          </p>
          <FilterForm key={JSON.stringify(search)} search={search} data={d} to="/results" />
          {error && (
            <p role="alert" className="alert alert-error">
              {/* The reason too (e.g. 下限 above 上限), without the field's code name. */}
              {[error.message, ...error.details.map((d) => d.replace(/^[\w.]+: /, ""))].join(" ")}
            </p>
          )}
          {d && (
            <>
              <p role="status" data-testid="list-total">
                該当 <strong>{d.total}</strong> 人（{page} / {pages} ページ）{" "}
                <Link to="/results/matrix" search={{ ...search, page: undefined }}>
                  この条件のルール詳細
                </Link>
              </p>
              {d.total === 0 ? (
                <p className="alert alert-info">
                  条件に合うこどもはいません。条件をゆるめてください。
                </p>
              ) : (
                <div className="table-scroll">
                  <table className="table results-table" data-testid="results-table">
                    <caption className="visually-hidden">判定一覧（{typeName}）</caption>
                    <thead>
                      {table.getHeaderGroups().map((hg) => (
                        <tr key={hg.id}>
                          {hg.headers.map((h) => (
                            <th key={h.id} scope="col">
                              {flexRender(h.column.columnDef.header, h.getContext())}
                            </th>
                          ))}
                        </tr>
                      ))}
                    </thead>
                    <tbody>
                      {table.getRowModel().rows.map((r, i) => {
                        const prev = i > 0 ? d.rows[i - 1] : undefined;
                        const newHousehold =
                          search.households === "yes" &&
                          r.original.householdNo !== null &&
                          prev?.householdNo !== r.original.householdNo;
                        return (
                          <tr
                            key={r.original.personId}
                            className={newHousehold ? "household-start" : undefined}
                            data-testid="result-row"
                          >
                            {r.getAllCells().map((c) => (
                              <td key={c.id}>
                                {flexRender(c.column.columnDef.cell, c.getContext())}
                              </td>
                            ))}
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              )}
              <nav className="actions" aria-label="ページ">
                <button
                  type="button"
                  className="button button-secondary"
                  disabled={page <= 1}
                  onClick={() =>
                    void navigate({ to: "/results", search: { ...search, page: page - 1 } })
                  }
                >
                  前のページ
                </button>
                <button
                  type="button"
                  className="button button-secondary"
                  disabled={page >= pages}
                  onClick={() =>
                    void navigate({ to: "/results", search: { ...search, page: page + 1 } })
                  }
                >
                  次のページ
                </button>
              </nav>
              {canList && (
                <PickToList
                  runId={d.run.id}
                  difficulty={d.type}
                  rows={d.rows}
                  status={caseStatus}
                />
              )}
              {canExport && <ExportForm search={search} />}
            </>
          )}
        </>
      )}
    </section>
  );
}

/** CSV export of the filtered list: the purpose is required and audited, re-authentication first. */
function ExportForm({ search }: { search: ResultsSearch }) {
  const q = apiQuery({ ...search, page: undefined }, false);
  const extra = new URLSearchParams();
  if (search.sort) extra.set("sort", search.sort);
  if (search.households) extra.set("households", search.households);
  return (
    <CsvExportForm
      path={`/runs/latest/children/export?${q}&${extra}`}
      fileName={`hantei-${search.type ?? "list"}.csv`}
      label="この条件で CSV を出力"
    />
  );
}
