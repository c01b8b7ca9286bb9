/**
 * Adding a server: an id and a name, then either a command (the program and its arguments, one
 * per line — run without a shell, so nothing is split or expanded) or the URL of a remote server
 * and its transport. The daemon validates the entry as it would in the config file; its problems
 * are shown at the fields they name.
 */
import { useState, type FormEvent } from "react";
import { ApiError, type FieldIssue } from "../api/client.js";
import type { ServerView } from "../api/types.js";
import { FieldError, invalidProps, issuesFor } from "./field-errors.js";

type Kind = "command" | "url";

/** A labelled text box with the daemon's problems for it beneath. */
function TextField(props: { id: string; label: string; value: string; onChange: (value: string) => void; issues: string[]; placeholder?: string; type?: "text" | "url" }) {
  const errorId = `${props.id}-error`;
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? "text"}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        placeholder={props.placeholder}
        autoComplete="off"
        {...invalidProps(props.issues, errorId)}
      />
      <FieldError id={errorId} messages={props.issues} />
    </div>
  );
}

export function AddServerForm({ add, onAdded }: { add: (entry: Record<string, unknown>) => Promise<ServerView>; onAdded: (server: ServerView) => void }) {
  const [kind, setKind] = useState<Kind>("command");
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [program, setProgram] = useState("");
  const [args, setArgs] = useState("");
  const [url, setUrl] = useState("");
  const [transport, setTransport] = useState<"http" | "sse">("http");
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const argv = [program.trim(), ...args.split("\n").filter((line) => line.trim() !== "")].filter((part) => part !== "");
    const entry: Record<string, unknown> = {
      id: id.trim(),
      ...(name.trim() !== "" ? { name: name.trim() } : {}),
      ...(kind === "command" ? { command: argv } : { url: url.trim(), transport }),
    };
    setBusy(true);
    setIssues([]);
    setFailure(null);
    add(entry)
      .then((server) => {
        setId("");
        setName("");
        setProgram("");
        setArgs("");
        setUrl("");
        onAdded(server);
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.issues.length > 0) setIssues(error.issues);
        else setFailure(error instanceof Error ? error.message : String(error));
      })
      .finally(() => setBusy(false));
  };

  const idIssues = issuesFor(issues, "id");
  const nameIssues = issuesFor(issues, "name");
  const commandIssues = issuesFor(issues, "command", true);
  const urlIssues = [...issuesFor(issues, "url"), ...issuesFor(issues, "transport")];
  const known = new Set(["id", "name", "command", "url", "transport"]);
  const other = issues.filter((issue) => !known.has(issue.field.replace(/[[.].*$/, "")));

  return (
    <form className="panel stack-tight add-server" onSubmit={submit} aria-labelledby="add-server-title" noValidate>
      <h3 id="add-server-title">Add a server</h3>
      <div className="form-grid">
        <TextField id="add-server-id" label="Id" value={id} onChange={setId} issues={idIssues} />
        <TextField id="add-server-name" label="Name (optional)" value={name} onChange={setName} issues={nameIssues} />
      </div>
      <fieldset className="choice-row">
        <legend className="visually-hidden">How PyGent reaches it</legend>
        <label className="choice">
          <input type="radio" name="add-server-kind" checked={kind === "command"} onChange={() => setKind("command")} />
          Runs a command (stdio)
        </label>
        <label className="choice">
          <input type="radio" name="add-server-kind" checked={kind === "url"} onChange={() => setKind("url")} />
          Remote, at a URL
        </label>
      </fieldset>
      {kind === "command" ? (
        <div className="form-grid">
          <TextField id="add-server-program" label="Program" value={program} onChange={setProgram} issues={commandIssues} placeholder="npx" />
          <div className="field">
            <label htmlFor="add-server-args">Arguments, one per line</label>
            <textarea id="add-server-args" rows={3} value={args} onChange={(event) => setArgs(event.target.value)} placeholder={"-y\n@modelcontextprotocol/server-memory"} />
          </div>
        </div>
      ) : (
        <div className="form-grid">
          <TextField id="add-server-url" label="URL" type="url" value={url} onChange={setUrl} issues={urlIssues} placeholder="https://example.com/mcp" />
          <div className="field">
            <label htmlFor="add-server-transport">Transport</label>
            <select id="add-server-transport" value={transport} onChange={(event) => setTransport(event.target.value as "http" | "sse")}>
              <option value="http">Streamable HTTP</option>
              <option value="sse">HTTP+SSE (older servers)</option>
            </select>
          </div>
        </div>
      )}
      {other.length > 0 && (
        <p className="field-error" role="alert">
          {other.map((issue) => `${issue.field}: ${issue.message}`).join("; ")}
        </p>
      )}
      {failure && (
        <p className="panel error" role="alert">
          {failure}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Adding…" : "Add and start"}
        </button>
      </div>
    </form>
  );
}
