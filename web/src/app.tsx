/** The dashboard's shell: header with navigation and the live connection, and the page for the path. */
import { useEffect, useState } from "react";
import { ConnectionStatus } from "./components/connection-banner.js";
import { store, useDashboard } from "./live/store.js";
import { Overview } from "./pages/overview.js";
import { Servers } from "./pages/servers.js";
import { SignIn } from "./pages/sign-in.js";

const PAGES = [
  { path: "/", title: "Overview" },
  { path: "/servers", title: "Servers" },
] as const;

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = (): void => setPath(location.pathname);
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  const navigate = (next: string): void => {
    if (next === location.pathname) return;
    history.pushState(null, "", next);
    setPath(next);
  };
  return [path, navigate];
}

export function App() {
  const state = useDashboard();
  const [path, navigate] = usePath();
  const page = PAGES.find((each) => each.path === path) ?? PAGES[0];

  useEffect(() => {
    document.title = `${page.title} · PyGent Factory`;
  }, [page]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>PyGent Factory</span>
        </div>
        <nav aria-label="Main">
          <ul className="nav">
            {PAGES.map((each) => (
              <li key={each.path}>
                <a
                  href={each.path}
                  aria-current={each === page ? "page" : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(each.path);
                  }}
                >
                  {each.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          {state.phase === "ready" && <ConnectionStatus connection={state.connection} retryInMs={state.retryInMs} />}
          {store.signedIn && state.phase === "ready" && (
            <button type="button" className="button button-quiet" onClick={() => store.signOut()}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <main id="main" className="main">
        {state.phase === "signed-out" && <SignIn />}
        {state.phase === "loading" && <p className="muted" role="status">Loading…</p>}
        {state.phase === "error" && (
          <div className="panel error" role="alert">
            <p>The daemon could not be reached: {state.error}</p>
            <button type="button" className="button" onClick={() => void store.start()}>
              Try again
            </button>
          </div>
        )}
        {state.phase === "ready" && (page.path === "/" ? <Overview state={state} navigate={navigate} /> : <Servers state={state} />)}
      </main>
    </>
  );
}
