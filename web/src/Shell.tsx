import type { ReactNode } from "react";
import { AuditPage } from "./pages/AuditPage.tsx";
import { ChangePasswordPage } from "./pages/ChangePasswordPage.tsx";
import { HomePage } from "./pages/HomePage.tsx";
import { ImportPage } from "./pages/ImportPage.tsx";
import { ManualEntryPage } from "./pages/ManualEntryPage.tsx";
import { ReviewPage } from "./pages/ReviewPage.tsx";
import { UsersPage } from "./pages/UsersPage.tsx";
import { navigate, usePath } from "./router.ts";
import type { SessionInfo } from "./types.ts";

interface NavItem {
  path: string;
  label: string;
  visible: (s: SessionInfo) => boolean;
  render: (s: SessionInfo, props: ShellProps) => ReactNode;
}

/**
 * The pages that exist. Each capability adds its page here when it is built
 * (取込, 名寄せ, 判定, …); the menu never lists a page that does not work yet.
 */
const NAV: NavItem[] = [
  { path: "/", label: "ホーム", visible: () => true, render: (s) => <HomePage session={s} /> },
  {
    path: "/imports",
    label: "データの取込",
    visible: (s) => s.user.permissions.includes("data.import"),
    render: () => <ImportPage />,
  },
  {
    path: "/manual",
    label: "手入力",
    visible: (s) => s.user.permissions.includes("data.import"),
    render: () => <ManualEntryPage />,
  },
  {
    path: "/linkage/reviews",
    label: "名寄せの確認",
    visible: (s) => s.user.permissions.includes("linkage.review"),
    render: () => <ReviewPage />,
  },
  {
    path: "/users",
    label: "利用者管理",
    visible: (s) => s.user.permissions.includes("users.manage"),
    render: (s) => <UsersPage session={s} />,
  },
  {
    path: "/audit",
    label: "監査ログ",
    visible: (s) => s.user.permissions.includes("audit.read"),
    render: () => <AuditPage />,
  },
  {
    path: "/password",
    label: "パスワード変更",
    visible: () => true,
    render: (s, p) => (
      <ChangePasswordPage session={s} onChanged={p.onSessionChange} onLogout={p.onLogout} />
    ),
  },
];

interface ShellProps {
  session: SessionInfo;
  onSessionChange: (s: SessionInfo) => void;
  onLogout: () => void;
}

export function Shell(props: ShellProps) {
  const { session } = props;
  const path = usePath();
  const items = NAV.filter((n) => n.visible(session));
  const current = items.find((n) => n.path === path);
  return (
    <div className="shell">
      <header className="app-header">
        <a
          className="brand"
          href="/"
          onClick={(e) => {
            e.preventDefault();
            navigate("/");
          }}
        >
          <span className="brand-mark" aria-hidden="true">
            見
          </span>
          <span>
            mimamori <small>見守り</small>
          </span>
        </a>
        <span className="municipality">{session.user.municipality.name}</span>
        <div className="user-box">
          <span data-testid="current-user">{session.user.displayName}</span>
          <button type="button" className="button button-secondary" onClick={props.onLogout}>
            ログアウト
          </button>
        </div>
      </header>
      <div className="shell-body">
        <nav className="side-nav" aria-label="メインメニュー">
          <ul>
            {items.map((n) => (
              <li key={n.path}>
                <a
                  href={n.path}
                  aria-current={n.path === path ? "page" : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(n.path);
                  }}
                >
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main className="content">
          {current ? (
            current.render(session, props)
          ) : (
            <section>
              <h1>ページが見つかりません</h1>
              <p>
                指定されたページはありません。<a href="/">ホームへ戻る</a>
              </p>
            </section>
          )}
        </main>
      </div>
    </div>
  );
}
