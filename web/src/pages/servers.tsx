/**
 * Servers: a row each with its transport, status and why, its latest response time with the trend
 * of its recent checks, CPU, memory, uptime, restarts and state; start / stop / restart /
 * remove, each confirmed; a filter by words and by status, sorting by any figure, and a form to
 * add one. Past 100 rows only the rows on screen (and a few around them) are drawn.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { HealthStatus, ServerView } from "../api/types.js";
import { AddServerForm } from "../components/add-server-form.js";
import { LifecycleButtons, ReadOnlyNote, STATE_WORDS, useLifecycle, type Lifecycle } from "../components/server-lifecycle.js";
import { Sparkline } from "../components/sparkline.js";
import { StatusBadge } from "../components/status-badge.js";
import { callerMay, displayStatus, store, type DashboardState, type ServerHealthView } from "../live/store.js";

/** Past this many rows, only those on screen are drawn. */
export const WINDOW_FROM_ROWS = 100;
/** Rows drawn beyond the screen's edges, so a scroll does not show a gap. */
const OVERSCAN_ROWS = 10;

const STATUSES: readonly HealthStatus[] = ["critical", "offline", "warning", "unknown", "healthy"];

type SortKey = "name" | "status" | "response" | "cpu" | "memory" | "uptime" | "restarts";

const SORTS: Record<SortKey, { label: string; value: (server: ServerView, health: ServerHealthView | undefined) => number | string }> = {
  name: { label: "Name", value: (server) => server.name.toLowerCase() },
  // Worst first when ascending: critical, offline, warning, unknown, healthy.
  status: { label: "Status", value: (server, health) => STATUSES.indexOf(displayStatus(server, health)) },
  response: { label: "Response time", value: (_server, health) => health?.figures.response_time_ms ?? Number.POSITIVE_INFINITY },
  cpu: { label: "CPU", value: (_server, health) => health?.figures.cpu_percent ?? -1 },
  memory: { label: "Memory", value: (_server, health) => health?.figures.memory_mb ?? -1 },
  uptime: { label: "Uptime", value: (_server, health) => health?.figures.uptime_24h ?? -1 },
  restarts: { label: "Restarts", value: (server) => server.restarts },
};

const figure = (value: number | null | undefined, unit: string, digits = 0): string => (value === null || value === undefined ? "—" : `${value.toFixed(digits)} ${unit}`);

interface RowProps {
  server: ServerView;
  health: ServerHealthView | undefined;
  index: number;
  busy: boolean;
  ask: Lifecycle["ask"];
  allowed: boolean;
  navigate: (path: string) => void;
}

/** A row is drawn again only when its server, its health or its busy flag changed: a health update touches one row of hundreds. */
const ServerRow = memo(function ServerRow({ server, health, index, busy, ask, allowed, navigate }: RowProps) {
  const reason = server.state === "running" ? (health?.reasons[0] ?? null) : server.reason;
  const running = server.state === "running";
  return (
    <tr data-testid={`server-${server.id}`} aria-rowindex={index + 2}>
      <th scope="row">
        <a
          className="server-name"
          href={`/servers/${encodeURIComponent(server.id)}`}
          onClick={(event) => {
            event.preventDefault();
            navigate(`/servers/${encodeURIComponent(server.id)}`);
          }}
        >
          {server.name}
        </a>
        <span className="muted server-id">
          {server.name !== server.id ? `${server.id} · ` : ""}
          {server.transport}
        </span>
      </th>
      <td data-label="Status">
        <StatusBadge status={displayStatus(server, health)} testId="status" />
      </td>
      <td data-label="Reason" className="reason">
        {reason ?? <span className="muted">—</span>}
      </td>
      <td data-label="Response" className="number response" data-testid="response">
        {running && health ? (
          <span className="response-cell">
            <Sparkline values={health.recent} label={`${server.name} response times`} />
            <span>{figure(health.figures.response_time_ms, "ms")}</span>
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-label="CPU" className="number">
        {running ? figure(health?.figures.cpu_percent, "%", 1) : "—"}
      </td>
      <td data-label="Memory" className="number">
        {running ? figure(health?.figures.memory_mb, "MB", 1) : "—"}
      </td>
      <td data-label="Uptime 24 h" className="number">
        {figure(health?.figures.uptime_24h, "%", 1)}
      </td>
      <td data-label="Restarts" className="number">
        {server.restarts}
      </td>
      <td data-label="State" data-testid="state">
        {STATE_WORDS[server.state]}
      </td>
      <td className="actions">
        <LifecycleButtons server={server} busy={busy} ask={ask} allowed={allowed} removable />
      </td>
    </tr>
  );
});

/**
 * Which of `count` rows of a table body to draw: all of them up to WINDOW_FROM_ROWS, past that
 * those on screen and OVERSCAN_ROWS either side, with the row height measured from the page.
 */
function useRowWindow(count: number): { body: React.RefObject<HTMLTableSectionElement | null>; first: number; last: number; rowHeight: number } {
  const body = useRef<HTMLTableSectionElement>(null);
  const windowed = count > WINDOW_FROM_ROWS;
  const [rowHeight, setRowHeight] = useState(56);
  const [range, setRange] = useState({ first: 0, last: Math.min(count, WINDOW_FROM_ROWS) });

  useLayoutEffect(() => {
    if (!windowed) return;
    const rows = body.current?.querySelectorAll<HTMLTableRowElement>("tr[data-testid]");
    if (!rows || rows.length < 2) return;
    const measured = rows[1]!.getBoundingClientRect().top - rows[0]!.getBoundingClientRect().top;
    if (measured > 0 && Math.abs(measured - rowHeight) > 0.5) setRowHeight(measured);
  }, [windowed, range, rowHeight]);

  useEffect(() => {
    if (!windowed) return;
    let frame = 0;
    const update = (): void => {
      frame = 0;
      const top = body.current?.getBoundingClientRect().top ?? 0;
      const first = Math.max(0, Math.floor(-top / rowHeight) - OVERSCAN_ROWS);
      const last = Math.min(count, Math.ceil((innerHeight - top) / rowHeight) + OVERSCAN_ROWS);
      setRange((current) => (current.first === first && current.last === last ? current : { first, last }));
    };
    const schedule = (): void => {
      if (frame === 0) frame = requestAnimationFrame(update);
    };
    update();
    addEventListener("scroll", schedule, { passive: true });
    addEventListener("resize", schedule);
    return () => {
      removeEventListener("scroll", schedule);
      removeEventListener("resize", schedule);
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [windowed, count, rowHeight]);

  return windowed ? { body, ...range, rowHeight } : { body, first: 0, last: count, rowHeight };
}

export function Servers({ state, navigate }: { state: DashboardState; navigate: (path: string) => void }) {
  const lifecycle = useLifecycle();
  const operator = callerMay(state, "operator");
  const [words, setWords] = useState("");
  const [status, setStatus] = useState<HealthStatus | "">("");
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: "name", descending: false });
  const [adding, setAdding] = useState(false);
  const [added, setAdded] = useState<string | null>(null);

  const shown = useMemo(() => {
    const needle = words.trim().toLowerCase();
    const matching = state.servers.filter((server) => {
      if (status !== "" && displayStatus(server, state.health[server.id]) !== status) return false;
      if (needle === "") return true;
      return [server.id, server.name, server.transport, server.category ?? "", server.description ?? ""].some((text) => text.toLowerCase().includes(needle));
    });
    const value = SORTS[sort.key].value;
    const keyed = matching.map((server) => ({ server, key: value(server, state.health[server.id]) }));
    keyed.sort((a, b) => {
      const order = a.key < b.key ? -1 : a.key > b.key ? 1 : a.server.id.localeCompare(b.server.id);
      return sort.descending ? -order : order;
    });
    return keyed.map((each) => each.server);
  }, [state.servers, state.health, words, status, sort]);

  const { body, first, last, rowHeight } = useRowWindow(shown.length);

  const sortBy = (key: SortKey): void => setSort((current) => ({ key, descending: current.key === key ? !current.descending : false }));
  const ariaSort = (key: SortKey): "ascending" | "descending" | undefined => (sort.key === key ? (sort.descending ? "descending" : "ascending") : undefined);
  const heading = (key: SortKey, text = SORTS[key].label) => (
    <th scope="col" aria-sort={ariaSort(key)}>
      <button type="button" className="sort-button" onClick={() => sortBy(key)}>
        {text}
        <span aria-hidden="true" className="sort-mark">
          {sort.key === key ? (sort.descending ? "▾" : "▴") : ""}
        </span>
      </button>
    </th>
  );

  return (
    <section aria-labelledby="servers-title" className="stack">
      <div className="section-head">
        <div className="title-with-count">
          <h2 id="servers-title">Servers</h2>
          <span className="muted" data-testid="servers-count">
            {words.trim() === "" && status === "" ? `${state.servers.length} configured` : `${shown.length} of ${state.servers.length} shown`}
          </span>
        </div>
        {operator && (
          <button type="button" className="button" aria-expanded={adding} aria-controls="add-server" onClick={() => setAdding(!adding)}>
            {adding ? "Close the form" : "Add a server"}
          </button>
        )}
      </div>
      <ReadOnlyNote caller={state.caller} />
      {adding && operator && (
        <div id="add-server">
          <AddServerForm
            add={(entry) => store.addServer(entry)}
            onAdded={(server) => {
              setAdded(server.id);
              setAdding(false);
            }}
          />
        </div>
      )}
      {added && (
        <p className="panel notice" role="status">
          Added {added}; it is starting.
        </p>
      )}
      {lifecycle.failure && (
        <p className="panel error" role="alert">
          {lifecycle.failure}
        </p>
      )}
      {state.servers.length === 0 ? (
        <div className="panel empty">
          <p>No servers yet.</p>
          <p className="muted">
            Add one above, in <code>mcp_server_configs.json</code>, or install one from Discover (<code>pygent install</code>).
          </p>
        </div>
      ) : (
        <>
          <div className="toolbar" role="search" aria-label="Filter servers">
            <div className="field grow">
              <label htmlFor="servers-filter">Filter</label>
              <input id="servers-filter" type="search" value={words} onChange={(event) => setWords(event.target.value)} placeholder="Name, id, transport or category" />
            </div>
            <div className="field">
              <label htmlFor="servers-status">Status</label>
              <select id="servers-status" value={status} onChange={(event) => setStatus(event.target.value as HealthStatus | "")}>
                <option value="">Any</option>
                {STATUSES.map((each) => (
                  <option key={each} value={each}>
                    {each}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="servers-sort">Sort by</label>
              <select id="servers-sort" value={`${sort.key}:${sort.descending ? "desc" : "asc"}`} onChange={(event) => {
                const [key, order] = event.target.value.split(":") as [SortKey, string];
                setSort({ key, descending: order === "desc" });
              }}>
                {(Object.keys(SORTS) as SortKey[]).flatMap((key) => [
                  <option key={`${key}:asc`} value={`${key}:asc`}>
                    {SORTS[key].label}, {key === "name" ? "A–Z" : key === "status" ? "worst first" : "lowest first"}
                  </option>,
                  <option key={`${key}:desc`} value={`${key}:desc`}>
                    {SORTS[key].label}, {key === "name" ? "Z–A" : key === "status" ? "best first" : "highest first"}
                  </option>,
                ])}
              </select>
            </div>
          </div>
          {shown.length === 0 ? (
            <div className="panel empty">
              <p>No server matches.</p>
              <button type="button" className="button" onClick={() => { setWords(""); setStatus(""); }}>
                Clear the filter
              </button>
            </div>
          ) : (
            <table className="table servers-table" aria-rowcount={shown.length + 1}>
              <thead>
                <tr aria-rowindex={1}>
                  {heading("name", "Server")}
                  {heading("status")}
                  <th scope="col">Reason</th>
                  {heading("response", "Response")}
                  {heading("cpu")}
                  {heading("memory")}
                  {heading("uptime", "Uptime 24 h")}
                  {heading("restarts")}
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody ref={body}>
                {first > 0 && <tr aria-hidden="true" className="row-spacer" style={{ height: first * rowHeight }} />}
                {shown.slice(first, last).map((server, offset) => (
                  <ServerRow
                    key={server.id}
                    server={server}
                    health={state.health[server.id]}
                    index={first + offset}
                    busy={lifecycle.busy === server.id}
                    ask={lifecycle.ask}
                    allowed={operator}
                    navigate={navigate}
                  />
                ))}
                {last < shown.length && <tr aria-hidden="true" className="row-spacer" style={{ height: (shown.length - last) * rowHeight }} />}
              </tbody>
            </table>
          )}
        </>
      )}
      {lifecycle.dialog}
    </section>
  );
}
