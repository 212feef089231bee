import { type FormEvent, useState } from "react";
import { ApiError, type Session, signIn } from "../api";
import { useTitle } from "../lib/hooks";
import { useTheme } from "../lib/theme";

export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice?: string }) {
  useTitle("Sign in");
  useTheme();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!username || !password) {
      setError("Enter your username and password.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(username, password));
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err.status === 0
            ? err.message
            : err.message.charAt(0).toUpperCase() + err.message.slice(1)
          : String(err),
      );
      setPassword("");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin" id="main">
      <form className="signin-card" onSubmit={submit} noValidate aria-labelledby="signin-title">
        <div className="brand brand-large">
          <svg viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" focusable="false">
            <path d="M12 2 3 6v6c0 5 3.8 9.4 9 10 5.2-.6 9-5 9-10V6l-9-4Z" className="brand-shield" />
            <path d="m8 12 3 3 5-6" className="brand-check" />
          </svg>
          <span>Vigil</span>
        </div>
        <h1 id="signin-title">Sign in to the console</h1>
        {notice ? <p className="notice">{notice}</p> : null}
        <div className="field">
          <label htmlFor="signin-username">Username</label>
          <input
            id="signin-username"
            name="username"
            autoComplete="username"
            data-testid="signin-username"
            value={username}
            required
            onChange={(e) => setUsername(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="signin-password">Password</label>
          <input
            id="signin-password"
            name="password"
            type="password"
            autoComplete="current-password"
            data-testid="signin-password"
            value={password}
            required
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <div className="error-region" aria-live="assertive" data-testid="signin-error">
          {error ? (
            <p className="form-error" id="signin-error">
              {error}
            </p>
          ) : null}
        </div>
        <button
          type="submit"
          className="btn btn-primary btn-block"
          disabled={busy}
          data-testid="signin-submit"
        >
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="hint">
          Accounts are created by the operator with <code>vigil users add</code>.
        </p>
      </form>
    </main>
  );
}
