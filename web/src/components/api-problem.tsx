/**
 * A failed request said in words, with what to do next: sign in with a stronger token when the
 * daemon refused the one given (403), try again otherwise.
 */
import { ApiError } from "../api/client.js";

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function ApiProblem({ error, what, needs, onRetry }: { error: unknown; what: string; needs?: string; onRetry?: () => void }) {
  const refused = error instanceof ApiError && error.forbidden;
  return (
    <div className="panel error" role="alert">
      <div className="problem-text">
        <p>
          <strong>{refused ? `${what} needs ${needs ?? "a token with more rights"}.` : `${what} could not be loaded.`}</strong>
        </p>
        <p>{errorText(error)}</p>
        {refused && (
          <p className="muted">
            Sign out and sign in with such a token; create one on the daemon's machine with <code>pygent token create --role admin</code>.
          </p>
        )}
      </div>
      {onRetry && !refused && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** What went wrong with an action on the page (start, delete, abort), or nothing. */
export function ActionFailure({ text }: { text: string | null }) {
  if (text === null) return null;
  return (
    <p className="panel error" role="alert">
      {text}
    </p>
  );
}
