/**
 * An agent's memory as the Memory Manager keeps it: long-term facts, recent messages and the
 * episodic log (a tab each, with their counts), the working-memory document, and a recall box
 * that asks as the agent would (similarity × importance × recency).
 */
import { useState, type FormEvent } from "react";
import type { MemoryKind } from "../../api/client.js";
import type { MemoryRecall } from "../../api/types.js";
import { ApiProblem, errorText } from "../../components/api-problem.js";
import { formatInstant } from "../../format.js";
import { store } from "../../live/store.js";
import { useRequest } from "../../live/use-request.js";

const KINDS: { kind: MemoryKind; label: string; empty: string }[] = [
  { kind: "fact", label: "Facts", empty: "No facts yet. Important episodes, and those recalled often, become facts." },
  { kind: "message", label: "Recent messages", empty: "No messages yet: the agent's conversation is kept here once it runs a task with memory on." },
  { kind: "episode", label: "Episodic log", empty: "No episodes yet: each run the agent finishes with memory on is logged here." },
];

/** `version` changes when a run ends, so the memory is read again. */
export function MemoryBrowser({ agentId, version, enabled }: { agentId: string; version: number; enabled: boolean }) {
  const [kind, setKind] = useState<MemoryKind>("fact");
  const page = useRequest(() => store.api.memory(agentId, kind), [agentId, kind, version]);
  const [query, setQuery] = useState("");
  const [recall, setRecall] = useState<MemoryRecall | null>(null);
  const [recallProblem, setRecallProblem] = useState<string | null>(null);
  const shownKind = KINDS.find((each) => each.kind === kind)!;

  const ask = (event: FormEvent): void => {
    event.preventDefault();
    setRecallProblem(null);
    store.api.recall(agentId, query).then(setRecall, (error: unknown) => {
      setRecall(null);
      setRecallProblem(errorText(error));
    });
  };

  return (
    <section className="panel stack-tight" aria-labelledby="memory-title" data-testid="memory">
      <div className="section-head">
        <h3 id="memory-title">Memory</h3>
        {!enabled && <span className="muted small">Memory is off for this agent: what is shown was kept before, or added by hand.</span>}
      </div>
      <div className="tabs" role="tablist" aria-label="Memory kinds">
        {KINDS.map((each) => (
          <button
            key={each.kind}
            type="button"
            role="tab"
            id={`memory-tab-${each.kind}`}
            aria-controls="memory-panel"
            aria-selected={each.kind === kind}
            className="tab"
            onClick={() => setKind(each.kind)}
          >
            {each.label}
            {page.data && <span className="tab-count">{page.data.counts[each.kind]}</span>}
          </button>
        ))}
      </div>
      <div id="memory-panel" role="tabpanel" aria-labelledby={`memory-tab-${kind}`}>
        {page.error ? <ApiProblem error={page.error} what="The memory" onRetry={page.reload} /> : null}
        {page.data && page.data.items.length === 0 && <p className="muted empty-note">{shownKind.empty}</p>}
        {page.data && page.data.items.length > 0 && (
          <ul className="plain-list memory-items">
            {page.data.items.map((item) => (
              <li key={item.id} data-testid={`memory-${item.kind}`}>
                <p className="memory-content">{item.content}</p>
                <p className="muted small">
                  {formatInstant(item.created_at)} · importance {item.importance.toFixed(2)} · recalled {item.recall_count}×
                </p>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="stack-tight">
        <h4 className="memory-subhead">Working memory</h4>
        {page.data?.working ? (
          <pre className="result-text" data-testid="working-memory">
            {page.data.working.content}
          </pre>
        ) : (
          <p className="muted empty-note">No working-memory document.</p>
        )}
      </div>
      <form className="search memory-recall" onSubmit={ask} role="search" aria-label="Recall from memory">
        <label htmlFor="memory-recall" className="visually-hidden">
          Recall
        </label>
        <input id="memory-recall" type="search" value={query} placeholder="What does the agent remember about…" onChange={(event) => setQuery(event.target.value)} />
        <button type="submit" className="button" disabled={query.trim() === ""}>
          Recall
        </button>
      </form>
      {recallProblem && (
        <p className="field-error" role="alert">
          {recallProblem}
        </p>
      )}
      {recall && recall.results.length === 0 && <p className="muted empty-note">Nothing recalled for that.</p>}
      {recall && recall.results.length > 0 && (
        <ol className="plain-list memory-items" aria-label="Recalled">
          {recall.results.map((result) => (
            <li key={result.id} data-testid="recalled">
              <p className="memory-content">{result.content}</p>
              <p className="muted small">
                {result.kind} · score {result.score.toFixed(3)} · similarity {result.similarity.toFixed(3)} · importance {result.importance.toFixed(2)}
              </p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
