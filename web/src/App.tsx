import { useCallback, useEffect, useState } from "react";
import { ApiFailure, api, setCsrfToken } from "./api.ts";
import { ChangePasswordPage } from "./pages/ChangePasswordPage.tsx";
import { LoginPage } from "./pages/LoginPage.tsx";
import { Shell } from "./Shell.tsx";
import type { SessionInfo } from "./types.ts";

type State =
  | { kind: "loading" }
  | { kind: "anonymous" }
  | { kind: "error"; message: string }
  | { kind: "signedIn"; session: SessionInfo };

export function App() {
  const [state, setState] = useState<State>({ kind: "loading" });

  const accept = useCallback((session: SessionInfo) => {
    setCsrfToken(session.csrfToken);
    setState({ kind: "signedIn", session });
  }, []);

  useEffect(() => {
    api<SessionInfo>("/auth/me")
      .then(accept)
      .catch((e: unknown) => {
        if (e instanceof ApiFailure && e.status === 401) setState({ kind: "anonymous" });
        else setState({ kind: "error", message: e instanceof Error ? e.message : String(e) });
      });
  }, [accept]);

  const logout = useCallback(async () => {
    await api("/auth/logout", { method: "POST" }).catch(() => {});
    setCsrfToken("");
    window.history.replaceState(null, "", "/");
    setState({ kind: "anonymous" });
  }, []);

  switch (state.kind) {
    case "loading":
      return <p className="page-loading">読み込み中…</p>;
    case "error":
      return (
        <main className="centered">
          <p role="alert" className="alert alert-error">
            {state.message}
          </p>
        </main>
      );
    case "anonymous":
      return <LoginPage onLoggedIn={accept} />;
    case "signedIn":
      if (state.session.user.mustChangePassword) {
        return (
          <ChangePasswordPage session={state.session} forced onChanged={accept} onLogout={logout} />
        );
      }
      return <Shell session={state.session} onSessionChange={accept} onLogout={logout} />;
  }
}
