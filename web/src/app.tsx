/** The dashboard's shell: header with navigation and the live connection, and the page for the path. */
import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from "react";
import { ConnectionStatus } from "./components/connection-banner.js";
import { store, useDashboard, type DashboardState } from "./live/store.js";
import { Alerts } from "./pages/alerts.js";
import { Audit } from "./pages/audit.js";
import { Discover } from "./pages/discover.js";
import { Gateway } from "./pages/gateway.js";
import { Overview } from "./pages/overview.js";
import { Servers } from "./pages/servers.js";
import { SignIn } from "./pages/sign-in.js";

/** A server's own page (charts, the tool form) loads when first opened, so the first paint does not wait for it. */
const ServerDetail = lazy(() => import("./pages/server-detail.js"));
/** Agents, knowledge and evolution load when first opened too (the evolution chart brings uPlot). */
const Agents = lazy(() => import("./pages/agents.js"));
const Knowledge = lazy(() => import("./pages/knowledge.js"));
const Evolution = lazy(() => import("./pages/evolution.js"));
/** Custom dashboards draw charts too: loaded when first opened. */
const Dashboards = lazy(() => import("./pages/dashboards.js"));

function Deferred({ page }: { page: ReactNode }) {
  return <Suspense fallback={<p className="muted" role="status">Loading…</p>}>{page}</Suspense>;
}

/** What a page is drawn from: the live state, the rest of its path (after its own) and navigation. */
interface PageProps {
  state: DashboardState;
  rest: string;
  navigate: (path: string) => void;
}

interface Page {
  path: string;
  title: string;
  render: (props: PageProps) => ReactNode;
}

/** The main navigation, in order; a path under a page's own (`/servers/everything`) is that page's. */
const PAGES: readonly Page[] = [
  { path: "/", title: "Overview", render: ({ state, navigate }) => <Overview state={state} navigate={navigate} /> },
  {
    path: "/servers",
    title: "Servers",
    render: ({ state, rest, navigate }) =>
      rest ? (
        <Deferred page={<ServerDetail key={rest} rest={rest} state={state} navigate={navigate} />} />
      ) : (
        <Servers state={state} navigate={navigate} />
      ),
  },
  { path: "/agents", title: "Agents", render: ({ rest, navigate }) => <Deferred page={<Agents rest={rest} navigate={navigate} />} /> },
  { path: "/knowledge", title: "Knowledge", render: () => <Deferred page={<Knowledge />} /> },
  { path: "/evolution", title: "Evolution", render: ({ rest, navigate }) => <Deferred page={<Evolution rest={rest} navigate={navigate} />} /> },
  { path: "/alerts", title: "Alerts", render: ({ state }) => <Alerts state={state} /> },
  {
    path: "/dashboards",
    title: "Dashboards",
    render: ({ state, rest, navigate }) => <Deferred page={<Dashboards state={state} rest={rest} navigate={navigate} />} />,
  },
  { path: "/discover", title: "Discover", render: ({ rest, navigate }) => <Discover rest={rest} navigate={navigate} /> },
  { path: "/gateway", title: "Gateway", render: () => <Gateway /> },
  { path: "/audit", title: "Audit", render: () => <Audit /> },
];

function pageFor(path: string): { page: Page; rest: string } {
  for (const page of PAGES) {
    if (page.path === "/") continue;
    if (path === page.path || path.startsWith(`${page.path}/`)) return { page, rest: path.slice(page.path.length + 1) };
  }
  return { page: PAGES[0]!, rest: "" };
}

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = (): void => setPath(location.pathname);
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  // One function for the page's lifetime, so that memoised rows that take it are not drawn again.
  const navigate = useCallback((next: string): void => {
    if (next === location.pathname) return;
    history.pushState(null, "", next);
    setPath(next);
  }, []);
  return [path, navigate];
}

export function App() {
  const state = useDashboard();
  const [path, navigate] = usePath();
  const { page, rest } = pageFor(path);

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
          {store.signedIn && state.phase === "ready" && state.caller?.name && (
            <span className="muted signed-in" data-testid="signed-in">
              {state.caller.name} · {state.caller.role}
            </span>
          )}
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
        {state.phase === "ready" && page.render({ state, rest, navigate })}
      </main>
    </>
  );
}
