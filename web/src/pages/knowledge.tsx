/**
 * Knowledge: the retrieval index's documents (ingest one pasted as text or Markdown, or from a
 * URL; remove one), and a search that shows the BM25 ranking, the vector ranking and their
 * reciprocal-rank fusion side by side, each hit with its rank in the other lists.
 */
import { useState, type FormEvent } from "react";
import type { RagSearch } from "../api/types.js";
import { ActionFailure, ApiProblem, errorText } from "../components/api-problem.js";
import { ConfirmDialog, type ConfirmRequest } from "../components/confirm-dialog.js";
import { FieldError, FormFailure, invalidProps, issuesFor, TextField } from "../components/field-errors.js";
import { TableHead } from "../components/table-head.js";
import { formatInstant } from "../format.js";
import { store } from "../live/store.js";
import { useRequest } from "../live/use-request.js";
import { useSubmit } from "../live/use-submit.js";

const RANKINGS: { mode: RagSearch["mode"]; title: string; score: string }[] = [
  { mode: "bm25", title: "BM25", score: "BM25 score" },
  { mode: "vector", title: "Vector", score: "cosine" },
  { mode: "hybrid", title: "Fused (reciprocal rank)", score: "fused score" },
];
const SEARCH_LIMIT = 8;
const DOCUMENT_COLUMNS = ["Document", "Source", "Chunks", "Size", "Ingested", "Actions"] as const;

function kilobytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

export default function Knowledge() {
  const documents = useRequest(() => store.api.ragDocuments(), []);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const remove = (id: string, name: string): void =>
    setConfirm({
      title: "Remove document",
      body: `Remove ${name} and its chunks from the index? Searches and agents no longer find it.`,
      confirmLabel: "Remove",
      danger: true,
      onConfirm: () => {
        setFailure(null);
        store.api.deleteDocument(id).then(documents.reload, (error: unknown) => setFailure(`Remove ${name}: ${errorText(error)}`));
      },
    });

  return (
    <section className="stack" aria-labelledby="knowledge-title">
      <div className="section-head">
        <h2 id="knowledge-title">Knowledge</h2>
        {documents.data && <span className="muted">{documents.data.length} documents</span>}
      </div>
      <SearchRankings />
      <ActionFailure text={failure} />
      <section className="stack-tight" aria-labelledby="documents-title">
        <h3 id="documents-title">Documents</h3>
        {documents.error ? <ApiProblem error={documents.error} what="The documents" onRetry={documents.reload} /> : null}
        {documents.data && documents.data.length === 0 && (
          <div className="panel empty">
            <p>The index is empty.</p>
            <p className="muted">
              Paste a text or Markdown document below, or ingest files with <code>pygent rag ingest &lt;path&gt;</code>. Agents with retrieval on, and the gateway's{" "}
              <code>pygent__rag_search</code>, search what is here.
            </p>
          </div>
        )}
        {documents.data && documents.data.length > 0 && (
          <table className="table" data-testid="documents">
            <TableHead columns={DOCUMENT_COLUMNS} />
            <tbody>
              {documents.data.map((document) => (
                <tr key={document.id} data-testid={`document-${document.name}`}>
                  <th scope="row">
                    {document.name}
                    {document.title && document.title !== document.name && <span className="muted server-id">{document.title}</span>}
                  </th>
                  <td data-label="Source" className="reason">
                    {document.source_kind === "text" ? `pasted ${document.format}` : document.source}
                  </td>
                  <td data-label="Chunks" className="number">
                    {document.chunk_count}
                  </td>
                  <td data-label="Size" className="number">
                    {kilobytes(document.bytes)}
                  </td>
                  <td data-label="Ingested">{formatInstant(document.ingested_at)}</td>
                  <td className="actions">
                    <button type="button" className="button" aria-label={`Remove ${document.name}`} onClick={() => remove(document.id, document.name)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <IngestForm onIngested={documents.reload} />
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}

function IngestForm({ onIngested }: { onIngested: () => void }) {
  const [source, setSource] = useState<"text" | "url">("text");
  const [name, setName] = useState("");
  const [text, setText] = useState("");
  const [url, setUrl] = useState("");
  const form = useSubmit("The document was not ingested");
  const [notice, setNotice] = useState<string | null>(null);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setNotice(null);
    const request = source === "text" ? { name, text } : { url, ...(name.trim() !== "" ? { name } : {}) };
    form.run(
      () => store.api.ingest(request),
      (result) => {
        setName("");
        setText("");
        setUrl("");
        setNotice(`${result.document.name}: ${result.document.chunk_count} chunks indexed${result.replaced ? ", replacing the earlier copy" : ""}.`);
        onIngested();
      },
    );
  };

  const textErrors = issuesFor(form.issues, "text");


  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="ingest-title" noValidate>
      <h3 id="ingest-title">Add a document</h3>
      <FormFailure text={form.failure} />
      {notice && (
        <p className="panel success" role="status">
          {notice}
        </p>
      )}
      <fieldset className="fieldset">
        <legend>From</legend>
        <div className="choice-row">
          <label className="choice">
            <input type="radio" name="ingest-source" checked={source === "text"} onChange={() => setSource("text")} />
            Pasted text or Markdown
          </label>
          <label className="choice">
            <input type="radio" name="ingest-source" checked={source === "url"} onChange={() => setSource("url")} />A URL
          </label>
        </div>
      </fieldset>
      <TextField
        id="ingest-name"
        label={source === "text" ? "Name (.md for Markdown)" : "Name (optional)"}
        value={name}
        placeholder="sqlite-wal.md"
        onChange={setName}
        messages={issuesFor(form.issues, "name")}
      />
      {source === "text" ? (
        <div className="field">
          <label htmlFor="ingest-text">Text</label>
          <textarea id="ingest-text" rows={8} value={text} onChange={(event) => setText(event.target.value)} {...invalidProps(textErrors, "ingest-text-error")} />
          <FieldError id="ingest-text-error" messages={textErrors} />
        </div>
      ) : (
        <TextField id="ingest-url" label="URL" type="url" value={url} placeholder="https://example.org/guide.html" onChange={setUrl} messages={issuesFor(form.issues, "url")} />
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={form.busy}>
          Ingest
        </button>
      </div>
    </form>
  );
}

function SearchRankings() {
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<RagSearch[] | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const search = (event: FormEvent): void => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    Promise.all(RANKINGS.map((ranking) => store.api.ragSearch(query, ranking.mode, SEARCH_LIMIT)))
      .then(setResults, (error: unknown) => {
        setResults(null);
        setProblem(error);
      })
      .finally(() => setBusy(false));
  };

  return (
    <section className="panel stack-tight" aria-labelledby="rag-search-title">
      <h3 id="rag-search-title">Search</h3>
      <form className="search" onSubmit={search} role="search" aria-label="Search the knowledge base">
        <label htmlFor="rag-query" className="visually-hidden">
          Search query
        </label>
        <input id="rag-query" type="search" value={query} placeholder="How does the write-ahead log work?" onChange={(event) => setQuery(event.target.value)} />
        <button type="submit" className="button button-primary" disabled={busy || query.trim() === ""}>
          Search
        </button>
      </form>
      {problem ? <ApiProblem error={problem} what="The search" /> : null}
      {!results && !problem && <p className="muted empty-note">Search to compare the keyword (BM25) ranking, the vector ranking and the fused one the agents use in hybrid mode.</p>}
      {results && (
        <div className="rankings">
          {RANKINGS.map((ranking, index) => {
            const hits = results[index]!.hits;
            return (
              <section key={ranking.mode} className="ranking" aria-labelledby={`ranking-${ranking.mode}`} data-testid={`ranking-${ranking.mode}`}>
                <h4 id={`ranking-${ranking.mode}`}>{ranking.title}</h4>
                {hits.length === 0 ? (
                  <p className="muted empty-note">No hits.</p>
                ) : (
                  <ol className="ranking-list">
                    {hits.map((hit) => (
                      <li key={hit.chunk_id} data-testid="hit">
                        <span className="ranking-doc">{hit.document_name}</span>
                        {hit.heading && <span className="muted small"> · {hit.heading}</span>}
                        <span className="ranking-ranks small muted">
                          {ranking.score} {hit.score.toFixed(3)} · BM25 #{hit.bm25_rank ?? "–"} · vector #{hit.vector_rank ?? "–"} · fused {hit.fused_score.toFixed(4)}
                        </span>
                      </li>
                    ))}
                  </ol>
                )}
              </section>
            );
          })}
        </div>
      )}
    </section>
  );
}
