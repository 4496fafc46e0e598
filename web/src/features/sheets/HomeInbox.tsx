import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api } from "../../lib/api.ts";
import type { SheetInboxView } from "../../lib/types.ts";
import { STATUS_LABELS } from "./labels.ts";

/** How many open requests the home page lists before pointing to the inbox. */
const SHOWN = 10;

/**
 * The home page of a 所属 account: the 情報収集シート requests still waiting
 * for its answer (overdue first, as the inbox sorts them), since answering
 * them is all the account does.
 */
export function HomeInbox() {
  const q = useQuery({
    queryKey: ["sheets", "inbox"],
    queryFn: () => api<SheetInboxView>("/sheets/inbox?limit=200"),
  });
  const open = (q.data?.requests ?? []).filter(
    (r) => r.status === "sent" || r.status === "overdue",
  );
  return (
    <section aria-labelledby="home-inbox-title" data-testid="home-inbox">
      <h2 id="home-inbox-title">回答を待っている情報収集シート</h2>
      {q.isPending && <p role="status">読み込んでいます…</p>}
      {q.error && (
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      )}
      {q.data && open.length === 0 && <p>いま回答を待っている依頼はありません。</p>}
      {open.length > 0 && (
        <ul>
          {open.slice(0, SHOWN).map((r) => (
            <li key={r.id} data-request={r.id}>
              <Link to="/sheets/inbox/$requestId" params={{ requestId: String(r.id) }}>
                {r.childName ?? r.personId}
              </Link>{" "}
              回答期限 {r.dueDate}{" "}
              {r.status === "overdue" ? (
                <span className="badge badge-flag">{STATUS_LABELS[r.status]}</span>
              ) : (
                <span className="muted">{STATUS_LABELS[r.status]}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to="/sheets/inbox">届いた情報収集シートをすべて見る</Link>
        {open.length > SHOWN ? `（ほか ${open.length - SHOWN} 件）` : null}
      </p>
    </section>
  );
}
