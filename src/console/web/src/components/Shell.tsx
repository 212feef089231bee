import { type ReactNode, useEffect, useRef } from "react";
import { NavLink, useLocation } from "react-router-dom";
import { useSession } from "../lib/session";
import { useTheme } from "../lib/theme";

const NAV = [
  { to: "/", label: "Dashboard", testid: "nav-dashboard", end: true },
  { to: "/findings", label: "Findings", testid: "nav-findings", end: false },
  { to: "/resources", label: "Resources", testid: "nav-resources", end: false },
  { to: "/suppression-rules", label: "Suppression rules", testid: "nav-suppression-rules", end: false },
  { to: "/settings", label: "Settings", testid: "nav-settings", end: false },
];

/** The signed-in frame: skip link, top bar (account, role, theme, sign-out), navigation, main. */
export function Shell({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession();
  const { theme, toggle } = useTheme();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After a client-side navigation, move focus to the new page's heading (as a page load would),
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on path changes only
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // Unless the user is working inside the page (tabs that change the path keep their focus).
    const active = document.activeElement;
    if (active && active !== mainRef.current && mainRef.current?.contains(active)) return;
    const h1 = mainRef.current?.querySelector("h1");
    if (h1) {
      h1.setAttribute("tabindex", "-1");
      h1.focus({ preventScroll: false });
    }
  }, [location.pathname]);

  return (
    <div className="app">
      <a href="#main" className="skip-link">
        Skip to main content
      </a>
      <header className="topbar">
        <div className="brand">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path d="M12 2 3 6v6c0 5 3.8 9.4 9 10 5.2-.6 9-5 9-10V6l-9-4Z" className="brand-shield" />
            <path d="m8 12 3 3 5-6" className="brand-check" />
          </svg>
          <span>Vigil</span>
        </div>
        <nav aria-label="Main" className="mainnav">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.end} data-testid={n.testid}>
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <span className="account-info" data-testid="account-info">
            <span className="account-user">{user.username}</span>
            <span className="account-meta">
              account <span className="mono">{user.accountId}</span> ·{" "}
              <span className={`role role-${user.role}`} data-testid="user-role">
                {user.role}
              </span>
            </span>
          </span>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={toggle}
            data-testid="theme-toggle"
            aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
            title={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
          >
            <span aria-hidden="true">{theme === "dark" ? "☀" : "☾"}</span>
            <span className="btn-text">{theme === "dark" ? "Light" : "Dark"}</span>
          </button>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => void signOut()}
            data-testid="sign-out"
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
