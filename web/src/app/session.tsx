import { createContext, useContext } from "react";
import type { Permission, SessionInfo } from "../lib/types.ts";

export interface SessionContextValue {
  session: SessionInfo;
  /** Replace the session (after a password change or a role change). */
  setSession: (s: SessionInfo) => void;
  logout: () => void;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

/** The signed-in user's session (only inside the signed-in shell). */
export function useSession(): SessionContextValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error("useSession outside the signed-in shell");
  return v;
}

/** Whether the signed-in user holds a permission (the API decides; this only hides what would be refused). */
export function useCan(permission: Permission): boolean {
  return useSession().session.user.permissions.includes(permission);
}
