import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { RuleMoves as Moves } from "../../lib/types.ts";

const PAGE = 20;
const DIRECTION = { entering: "新たに対象になる", leaving: "対象から外れる" } as const;
type Direction = keyof typeof DIRECTION;

const score = (v: number | null) => (v === null ? "—" : String(Math.round(v * 1000) / 1000));

/**
 * Who the change being tried moves (試算, issue 11): per type how many
 * children the changed rules newly flag and how many they drop, on the
 * latest run's data; choosing a count lists those children, paged on the
 * server (POST /api/rules/preview/moves, audited). `patch` is the change as
 * it was when 試算 was pressed.
 */
export function RuleMoves({ patch }: { patch: unknown }) {
  const [chosen, setChosen] = useState<{ difficulty: string; direction: Direction } | null>(null);
  const [page, setPage] = useState(0);
  const counts = useQuery({
    queryKey: ["rules", "moves", patch],
    queryFn: () => api<Moves>("/rules/preview/moves", { method: "POST", body: { patch } }),
  });
  const list = useQuery({
    queryKey: ["rules", "moves", patch, chosen, page],
    enabled: chosen !== null,
    queryFn: () =>
      api<Moves>("/rules/preview/moves", {
        method: "POST",
        body: { patch, ...chosen, offset: page * PAGE, limit: PAGE },
      }),
  });
  const choose = (difficulty: string, direction: Direction) => {
    setChosen({ difficulty, direction });
    setPage(0);
  };
  const error = counts.error ?? list.error;
  const l = list.data?.list;
  return (
    <section aria-labelledby="moves-title">
      <h3 id="moves-title">入る・外れるこども</h3>
      {error && (
        <p role="alert" className="alert alert-error">
          {error instanceof ApiFailure || error instanceof Error ? error.message : String(error)}
        </p>
      )}
      {counts.data && (
        <table aria-label="入る・外れるこどもの人数">
          <thead>
            <tr>
              <th scope="col">種類</th>
              <th scope="col">{DIRECTION.entering}</th>
              <th scope="col">{DIRECTION.leaving}</th>
            </tr>
          </thead>
          <tbody>
            {counts.data.types.map((t) => (
              <tr key={t.difficulty} data-difficulty={t.difficulty}>
                <th scope="row">{t.name}</th>
                {(["entering", "leaving"] as const).map((d) => (
                  <td key={d} className={d}>
                    {t[d] === null ? (
                      "計算できません（モデルへの変更）"
                    ) : t[d] === 0 ? (
                      "0人"
                    ) : (
                      <button
                        type="button"
                        className="button button-secondary"
                        aria-pressed={chosen?.difficulty === t.difficulty && chosen.direction === d}
                        aria-label={`${t.name}で${DIRECTION[d]}こども ${t[d]}人を表示`}
                        onClick={() => choose(t.difficulty, d)}
                      >
                        {t[d]}人
                      </button>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {l && (
        <section aria-label="入る・外れるこどもの一覧">
          <p role="status">
            {l.name}で{DIRECTION[l.direction as Direction]}こども: {l.total}人
            {l.total > PAGE
              ? `（${l.offset + 1}〜${Math.min(l.total, l.offset + l.limit)}人目）`
              : ""}
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">氏名</th>
                <th scope="col">年齢</th>
                <th scope="col">所属</th>
                <th scope="col">いまの点数</th>
                <th scope="col">変更後の点数</th>
              </tr>
            </thead>
            <tbody>
              {l.rows.map((r) => (
                <tr key={r.personId}>
                  <td>
                    <Link to="/children/$personId" params={{ personId: r.personId }}>
                      {r.name ?? r.personId}
                    </Link>
                  </td>
                  <td>{r.age ?? ""}</td>
                  <td>{r.affiliation ?? ""}</td>
                  <td>{score(r.scoreBefore)}</td>
                  <td>{score(r.scoreAfter)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="一覧のページ" className="pager">
            {page > 0 && (
              <button
                type="button"
                className="button button-secondary"
                onClick={() => setPage(page - 1)}
              >
                前へ
              </button>
            )}
            {(page + 1) * PAGE < l.total && (
              <button
                type="button"
                className="button button-secondary"
                onClick={() => setPage(page + 1)}
              >
                次へ
              </button>
            )}
          </nav>
        </section>
      )}
    </section>
  );
}
