import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../../lib/api.ts";
import type { NotificationsView } from "../../lib/types.ts";

/**
 * お知らせ (in-app only): new 情報収集シート for a recipient, answers for the
 * sender, overdue reminders. Checked every minute while the app is open.
 */
export function NotificationBell() {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const q = useQuery({
    queryKey: ["notifications"],
    queryFn: () => api<NotificationsView>("/notifications?limit=20"),
    refetchInterval: 60_000,
    retry: false,
  });
  const read = useMutation({
    mutationFn: (id?: number) =>
      api<{ marked: number }>(
        id === undefined ? "/notifications/read" : `/notifications/${id}/read`,
        {
          method: "POST",
        },
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ["notifications"] }),
  });
  const unread = q.data?.unread ?? 0;
  return (
    <div className="notification-bell">
      <button
        type="button"
        className="button button-secondary"
        aria-expanded={open}
        aria-controls="notification-list"
        data-testid="notification-bell"
        onClick={() => setOpen((o) => !o)}
      >
        お知らせ{unread > 0 ? <span className="badge badge-flag">{unread}</span> : null}
      </button>
      {open && (
        <section id="notification-list" className="notification-list card" aria-label="お知らせ">
          {(q.data?.items ?? []).length === 0 ? (
            <p>お知らせはありません。</p>
          ) : (
            <ul>
              {q.data?.items.map((n) => (
                <li key={n.id} data-kind={n.kind} className={n.read ? "muted" : undefined}>
                  {n.link ? (
                    <Link
                      to={n.link}
                      onClick={() => {
                        setOpen(false);
                        if (!n.read) read.mutate(n.id);
                      }}
                    >
                      {n.text}
                    </Link>
                  ) : (
                    n.text
                  )}{" "}
                  <small>{n.createdAt.slice(0, 16).replace("T", " ")}</small>
                </li>
              ))}
            </ul>
          )}
          {unread > 0 && (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => read.mutate(undefined)}
            >
              すべて既読にする
            </button>
          )}
        </section>
      )}
    </div>
  );
}
