/**
 * The root route: decides between the login page, the forced password change
 * and the signed-in shell, from `GET /api/auth/me` (TanStack Query key
 * ["session"]). Every page route is a child of this route (app/router.tsx).
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createRootRoute, Link, Outlet, useRouter, useRouterState } from "@tanstack/react-router";
import { useCallback, useMemo } from "react";
import { ChangePasswordPage } from "../features/account/ChangePasswordPage.tsx";
import { LoginPage } from "../features/account/LoginPage.tsx";
import { ApiFailure, api, setCsrfToken } from "../lib/api.ts";
import type { SessionInfo } from "../lib/types.ts";
import { mayOpen } from "./guards.ts";
import { Shell } from "./Shell.tsx";
import { SessionContext } from "./session.tsx";

export const SESSION_KEY = ["session"] as const;

async function fetchSession(): Promise<SessionInfo | null> {
  try {
    const s = await api<SessionInfo>("/auth/me");
    setCsrfToken(s.csrfToken);
    return s;
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) return null;
    throw e;
  }
}

function Root() {
  const queryClient = useQueryClient();
  const router = useRouter();
  const q = useQuery({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: Infinity });

  const setSession = useCallback(
    (s: SessionInfo | null) => {
      setCsrfToken(s?.csrfToken ?? "");
      // Everything cached belongs to the previous user: drop it.
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== "session" });
      queryClient.setQueryData(SESSION_KEY, s);
    },
    [queryClient],
  );
  const logout = useCallback(async () => {
    await api("/auth/logout", { method: "POST" }).catch(() => {});
    setSession(null);
    await router.navigate({ to: "/" });
  }, [setSession, router]);
  const value = useMemo(
    () => (q.data ? { session: q.data, setSession, logout } : null),
    [q.data, setSession, logout],
  );

  if (q.isPending) return <p className="page-loading">読み込み中…</p>;
  if (q.isError) {
    return (
      <main className="centered">
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      </main>
    );
  }
  if (!value) return <LoginPage onLoggedIn={setSession} />;
  if (value.session.user.mustChangePassword) {
    return (
      <SessionContext.Provider value={value}>
        <ChangePasswordPage
          session={value.session}
          forced
          onChanged={setSession}
          onLogout={logout}
        />
      </SessionContext.Provider>
    );
  }
  return (
    <SessionContext.Provider value={value}>
      <Shell>
        <GuardedOutlet permissions={value.session.user.permissions} />
      </Shell>
    </SessionContext.Provider>
  );
}

/**
 * The page, or 「権限がありません」 at once when the session lacks the page's
 * permission (app/guards.ts): the page is never mounted, so its form is not
 * shown and its requests are not sent. The API refuses them regardless.
 */
function GuardedOutlet({ permissions }: { permissions: readonly string[] }) {
  const routeId = useRouterState({ select: (s) => s.matches[s.matches.length - 1]?.routeId });
  if (mayOpen(routeId, permissions)) return <Outlet />;
  return (
    <section data-testid="no-permission">
      <h1>権限がありません</h1>
      <p role="alert" className="alert alert-error">
        このページを使う権限がありません。必要な場合は、システム管理者に役割の追加を依頼してください。
      </p>
      <p>
        <Link to="/">ホームへ戻る</Link>（左のメニューには、使えるページだけが表示されます）
      </p>
    </section>
  );
}

export const rootRoute = createRootRoute({
  component: Root,
  notFoundComponent: () => (
    <section>
      <h1>ページが見つかりません</h1>
      <p>
        指定されたページはありません。<a href="/">ホームへ戻る</a>
      </p>
    </section>
  ),
});
