import { Link, useRouterState } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { NotificationBell } from "../features/notifications/NotificationBell.tsx";
import { NAV_ITEMS } from "./menu.ts";
import { NAV_GROUP_LABELS, type NavItem } from "./nav.ts";
import { useSession } from "./session.tsx";

/**
 * The signed-in layout: header, side menu of the pages this user may use (the
 * API refuses the others anyway), and the page.
 */
export function Shell({ children }: { children: ReactNode }) {
  const { session, logout } = useSession();
  const path = useRouterState({ select: (s) => s.location.pathname });
  const items = NAV_ITEMS.filter(
    (n) => !n.permission || session.user.permissions.includes(n.permission),
  );
  const groups = (Object.keys(NAV_GROUP_LABELS) as NavItem["group"][])
    .map((g) => ({
      g,
      items: items.filter((n) => n.group === g).sort((a, b) => a.order - b.order),
    }))
    .filter((x) => x.items.length > 0);
  // One entry is the current page: the longest `to` the path is at or under
  // (on /results/matrix, ルール詳細 — not 判定一覧 as well).
  const current = items
    .filter((n) => n.to === path || (n.to !== "/" && path.startsWith(`${n.to}/`)))
    .sort((a, b) => b.to.length - a.to.length)[0]?.to;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        本文へ移動
      </a>
      <header className="app-header">
        <Link className="brand" to="/">
          <span className="brand-mark" aria-hidden="true">
            見
          </span>
          <span>
            mimamori <small>見守り</small>
          </span>
        </Link>
        <span className="municipality">{session.user.municipality.name}</span>
        <div className="user-box">
          <NotificationBell />
          <span data-testid="current-user">{session.user.displayName}</span>
          <button type="button" className="button button-secondary" onClick={logout}>
            ログアウト
          </button>
        </div>
      </header>
      <div className="shell-body">
        <nav className="side-nav" aria-label="メインメニュー">
          {groups.map(({ g, items: list }) => (
            <div key={g} className="side-nav-group">
              <p className="side-nav-heading">{NAV_GROUP_LABELS[g]}</p>
              <ul>
                {list.map((n) => (
                  <li key={n.to}>
                    {/* Link marks itself current on a fuzzy match (判定一覧 on
                        /results/matrix too): exact, and the one `current` above. */}
                    <Link
                      to={n.to}
                      activeOptions={{ exact: true }}
                      aria-current={n.to === current ? "page" : undefined}
                    >
                      {n.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <main className="content" id="main">
          {children}
        </main>
      </div>
    </div>
  );
}
