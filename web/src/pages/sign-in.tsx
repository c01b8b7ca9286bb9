/** Sign-in with an API token, shown when the daemon has auth on. */
import { useState, type FormEvent } from "react";
import { store } from "../live/store.js";

export function SignIn() {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      if (!(await store.signIn(token.trim()))) setProblem("The daemon did not accept this token. Check it and try again.");
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <p className="muted">
        This daemon asks for an API token. Create one with <code>pygent token create --role operator</code>. It is kept for this
        browser tab only.
      </p>
      <form onSubmit={(event) => void submit(event)} className="stack">
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-invalid={problem !== null}
          aria-describedby={problem ? "token-problem" : undefined}
        />
        {problem && (
          <p id="token-problem" className="field-error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}
