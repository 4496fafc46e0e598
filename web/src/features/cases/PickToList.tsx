import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useMemo, useState } from "react";
import { api } from "../../lib/api.ts";
import type { CandidateCheckView, CaseStatusView, ReviewListsView } from "../../lib/types.ts";
import { CaseMark, Done, ErrorText, thisMonth } from "./common.tsx";

interface Row {
  personId: string;
  name: string | null;
  flagged: boolean;
  householdNo: string | null;
}

/** Case marks of the children shown on a page of 判定一覧 (on a list / in an open case). */
export function useCaseStatus(personIds: readonly string[]) {
  const ids = [...personIds].sort().join(",");
  const q = useQuery({
    queryKey: ["case-status", ids],
    queryFn: () => api<CaseStatusView>(`/cases/status?personIds=${encodeURIComponent(ids)}`),
    enabled: ids.length > 0,
  });
  return useMemo(() => new Map((q.data ?? []).map((s) => [s.personId, s])), [q.data]);
}

export function CaseStatusCell({ status }: { status: CaseStatusView[number] | undefined }) {
  if (!status) return <>—</>;
  return (
    <Link to="/cases/$caseId" params={{ caseId: String(status.caseId) }}>
      <CaseMark state={status.state} label={status.stateLabel} />
      {status.listMonths[0] ? ` ${status.listMonths[0]}` : ""}
    </Link>
  );
}

/**
 * 判定一覧 → 候補リスト: pick flagged children of this page onto a month's
 * list. Exclusions are checked first and shown; an excluded child (or one past
 * the month's capacity) is added only with a reason, which is recorded.
 */
export function PickToList({
  runId,
  difficulty,
  rows,
  status,
}: {
  runId: number;
  difficulty: string;
  rows: readonly Row[];
  status: Map<string, CaseStatusView[number]>;
}) {
  const qc = useQueryClient();
  const [month, setMonth] = useState(thisMonth());
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [checks, setChecks] = useState<CandidateCheckView | null>(null);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [listId, setListId] = useState<number | null>(null);
  const candidates = rows.filter((r) => r.flagged);

  const ensureList = async () => {
    const l = await api<ReviewListsView["lists"][number]>("/review-lists", {
      method: "POST",
      body: { month, runId },
    });
    setListId(l.id);
    return l.id;
  };
  const check = useMutation({
    mutationFn: async () => {
      const id = await ensureList();
      return api<CandidateCheckView>(`/review-lists/${id}/check`, {
        method: "POST",
        body: { picks: [...picked].map((personId) => ({ personId, difficulty })) },
      });
    },
    onSuccess: (c) => setChecks(c),
  });
  const add = useMutation({
    mutationFn: async () => {
      const id = listId ?? (await ensureList());
      return api(`/review-lists/${id}/entries`, {
        method: "POST",
        body: {
          picks: [...picked].map((personId) => ({
            personId,
            difficulty,
            overrideReason: reasons[personId] || null,
          })),
        },
      });
    },
    onSuccess: () => {
      setPicked(new Set());
      setChecks(null);
      void qc.invalidateQueries({ queryKey: ["case-status"] });
      void qc.invalidateQueries({ queryKey: ["review-lists"] });
    },
  });
  if (candidates.length === 0) return null;
  const nameOf = (id: string) => rows.find((r) => r.personId === id)?.name ?? id;
  return (
    <form
      className="card"
      aria-label="候補リストに載せる"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (!checks) check.mutate();
        else add.mutate();
      }}
    >
      <h2>候補リストに載せる</h2>
      <p className="muted">
        このページの基準以上のこどもから選びます。除外理由（支援中・要対協・健診後フォロー・障害児サービス・決定済みで見直し日前）に当たるこどもは、理由を入力すれば載せられます。
      </p>
      <label className="field">
        <span>月</span>
        <input
          type="month"
          value={month}
          onChange={(e) => {
            setMonth(e.target.value);
            setChecks(null);
            setListId(null);
          }}
          required
        />
      </label>
      <fieldset>
        <legend>こども</legend>
        {candidates.map((r) => (
          <label key={r.personId} className="check">
            <input
              type="checkbox"
              data-testid="pick-child"
              value={r.personId}
              checked={picked.has(r.personId)}
              disabled={Boolean(status.get(r.personId))}
              onChange={(e) => {
                const next = new Set(picked);
                if (e.target.checked) next.add(r.personId);
                else next.delete(r.personId);
                setPicked(next);
                setChecks(null);
              }}
            />{" "}
            {r.name ?? r.personId}
            {r.householdNo ? `（世帯 ${r.householdNo}）` : ""}
            {status.get(r.personId) ? `：${status.get(r.personId)?.stateLabel}` : ""}
          </label>
        ))}
      </fieldset>
      {checks && (
        <div data-testid="pick-checks">
          {checks.map((c) => (
            <div key={c.personId}>
              <strong>{nameOf(c.personId)}</strong>:{" "}
              {c.exclusions.length === 0
                ? "除外理由なし"
                : c.exclusions.map((x) => x.name).join("・")}
              {c.exclusions.length > 0 && (
                <label className="field">
                  <span>載せる理由</span>
                  <input
                    value={reasons[c.personId] ?? ""}
                    onChange={(e) => setReasons({ ...reasons, [c.personId]: e.target.value })}
                  />
                </label>
              )}
            </div>
          ))}
        </div>
      )}
      <button type="submit" className="button button-primary" disabled={picked.size === 0}>
        {checks ? `${picked.size} 人を ${month} の候補リストに載せる` : "除外理由を確認する"}
      </button>
      <ErrorText error={check.error ?? add.error} />
      {add.isSuccess && listId !== null && (
        <Done>
          載せました。
          <Link to="/review-lists/$listId" params={{ listId: String(listId) }}>
            {month} の候補リストを開く
          </Link>
        </Done>
      )}
    </form>
  );
}
