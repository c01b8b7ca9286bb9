/**
 * Discover: search the catalog, browse it by category, and see what is featured and what is used
 * most here. `/discover/<id>` is an entry's own page (discover-entry.tsx).
 */
import { useState, type FormEvent } from "react";
import type { DiscoveredServer } from "../api/types.js";
import { ApiProblem } from "../components/api-problem.js";
import { PageLink } from "../components/page-link.js";
import { store } from "../live/store.js";
import { useRequest } from "../live/use-request.js";
import { DiscoverEntry, entryTitle } from "./discover-entry.js";

type Navigate = (path: string) => void;

function EntryCard({ server, navigate, note }: { server: DiscoveredServer; navigate: Navigate; note?: string }) {
  const href = `/discover/${encodeURIComponent(server.id)}`;
  return (
    <li className="entry-card" data-testid={`entry-${server.id}`}>
      <div className="entry-card-head">
        <h3>
          <PageLink href={href} navigate={navigate}>
            {entryTitle(server)}
          </PageLink>
        </h3>
        {server.installed && <span className="chip chip-ok">Installed</span>}
      </div>
      <p className="entry-card-text">{server.description}</p>
      <div className="chips">
        <span className="chip">{server.category}</span>
        {server.registry_types.map((type) => (
          <span key={type} className="chip chip-quiet">
            {type}
          </span>
        ))}
        {note && <span className="muted entry-card-note">{note}</span>}
      </div>
    </li>
  );
}

function EntryGrid({ servers, navigate, notes }: { servers: DiscoveredServer[]; navigate: Navigate; notes?: (server: DiscoveredServer) => string }) {
  return (
    <ul className="entry-grid">
      {servers.map((server) => (
        <EntryCard key={server.id} server={server} navigate={navigate} {...(notes ? { note: notes(server) } : {})} />
      ))}
    </ul>
  );
}

function usageNote(server: DiscoveredServer): string {
  const { installs, tool_calls } = server.usage;
  return `${installs} install${installs === 1 ? "" : "s"} · ${tool_calls} tool call${tool_calls === 1 ? "" : "s"}`;
}

/** Featured and popular, shown before anything is searched or picked. */
function Showcase({ navigate }: { navigate: Navigate }) {
  const featured = useRequest(() => store.api.featured(), []);
  const popular = useRequest(() => store.api.popular(), []);
  const used = (popular.data ?? []).filter((server) => server.score > 0);
  return (
    <>
      <section aria-labelledby="featured-title">
        <h2 id="featured-title">Featured</h2>
        {featured.error ? (
          <ApiProblem error={featured.error} what="Featured servers" onRetry={featured.reload} />
        ) : featured.data ? (
          <EntryGrid servers={featured.data} navigate={navigate} />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>
      <section aria-labelledby="popular-title">
        <h2 id="popular-title">Popular here</h2>
        {popular.error ? (
          <ApiProblem error={popular.error} what="Popular servers" onRetry={popular.reload} />
        ) : !popular.data ? (
          <p className="muted">Loading…</p>
        ) : used.length === 0 ? (
          <p className="panel empty">Nothing installed from the catalog has been used yet. Servers rise here as they are installed and their tools called.</p>
        ) : (
          <EntryGrid servers={used} navigate={navigate} notes={usageNote} />
        )}
      </section>
    </>
  );
}

/** The servers for a search or a category. */
function Results({ query, category, navigate }: { query: string; category: string | null; navigate: Navigate }) {
  const results = useRequest<DiscoveredServer[]>(
    () => (query !== "" ? store.api.search(query).then((body) => body.servers) : store.api.catalog({ category: category ?? undefined, limit: 200 })),
    [query, category],
  );
  const heading = query !== "" ? `Results for “${query}”` : `Category: ${category}`;
  const shown = query !== "" && category ? (results.data ?? []).filter((server) => server.category === category) : (results.data ?? []);
  return (
    <section aria-labelledby="results-title" aria-busy={results.loading}>
      <div className="section-head">
        <h2 id="results-title">{heading}</h2>
        {results.data && (
          <span className="muted" role="status">
            {shown.length} server{shown.length === 1 ? "" : "s"}
          </span>
        )}
      </div>
      {results.error ? (
        <ApiProblem error={results.error} what="The catalog" onRetry={results.reload} />
      ) : !results.data ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <div className="panel empty">
          <p>No server in the catalog matches.</p>
          <p className="muted">Try fewer or other words, or another category. Add catalogs under “discovery” in mcp_server_configs.json.</p>
        </div>
      ) : (
        <EntryGrid servers={shown} navigate={navigate} />
      )}
    </section>
  );
}

function Catalog({ navigate }: { navigate: Navigate }) {
  const [text, setText] = useState("");
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState<string | null>(null);
  const categories = useRequest(() => store.api.categories(), []);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setQuery(text.trim());
  };

  return (
    <div className="stack">
      <section className="panel discover-hero" aria-labelledby="discover-title">
        <h2 id="discover-title">Discover MCP servers</h2>
        <p className="muted">Find a server, read what it will install and run, and install it here in one step.</p>
        <form role="search" className="search" onSubmit={submit}>
          <label htmlFor="catalog-search" className="visually-hidden">
            Search the catalog
          </label>
          <input
            id="catalog-search"
            type="search"
            placeholder="Search by name, purpose or tag (e.g. files, github, memory)"
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              if (event.target.value === "") setQuery("");
            }}
          />
          <button type="submit" className="button button-primary">
            Search
          </button>
        </form>
        {categories.data && categories.data.categories.length > 0 && (
          <div className="chips" role="group" aria-label="Categories">
            <button type="button" className="chip-button" aria-pressed={category === null} onClick={() => setCategory(null)}>
              All
            </button>
            {categories.data.categories.map((each) => (
              <button
                key={each.name}
                type="button"
                className="chip-button"
                aria-pressed={category === each.name}
                onClick={() => setCategory(category === each.name ? null : each.name)}
              >
                {each.name} <span className="chip-count">{each.count}</span>
              </button>
            ))}
          </div>
        )}
        {categories.error !== null && <ApiProblem error={categories.error} what="The catalog's categories" onRetry={categories.reload} />}
      </section>
      {query === "" && category === null ? <Showcase navigate={navigate} /> : <Results query={query} category={category} navigate={navigate} />}
    </div>
  );
}

export function Discover({ rest, navigate }: { rest: string; navigate: Navigate }) {
  if (rest !== "") return <DiscoverEntry key={rest} id={decodeURIComponent(rest)} navigate={navigate} />;
  return <Catalog navigate={navigate} />;
}
