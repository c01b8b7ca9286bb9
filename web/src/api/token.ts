/** The API token the user signed in with: kept for this tab only (sessionStorage), never in a URL. */
const KEY = "pygent.token";

export function readToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // Storage refused (private mode): the token lives in memory for this page only.
  }
}
