import { createContext, useContext } from "react";
import type { SessionUser } from "../api";

export interface SessionContextValue {
  user: SessionUser;
  isAdmin: boolean;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

/** The signed-in user; only used below the signed-in shell. */
export function useSession(): SessionContextValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in page");
  return s;
}
