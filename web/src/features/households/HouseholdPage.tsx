import { useQuery } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { api } from "../../lib/api.ts";
import type { HouseholdView } from "../../lib/types.ts";
import { HouseholdPanel } from "./HouseholdPanel.tsx";

/** 世帯: the members of one household from 住民基本台帳, their items and moves. */
export function HouseholdPage() {
  const { householdNo } = useParams({ from: "/households/$householdNo" });
  const q = useQuery({
    queryKey: ["household", householdNo],
    queryFn: () => api<HouseholdView>(`/households/${encodeURIComponent(householdNo)}`),
    retry: false,
  });
  return (
    <section>
      <h1>世帯</h1>
      {q.isPending && <p role="status">読み込んでいます…</p>}
      {q.error && (
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      )}
      {q.data && (
        <>
          <p className="lead">判定（基準日 {q.data.run.asOf}）時点の住民基本台帳の世帯です。</p>
          <HouseholdPanel household={q.data} />
        </>
      )}
    </section>
  );
}
