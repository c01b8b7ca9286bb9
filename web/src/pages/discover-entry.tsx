/**
 * One catalog entry: what installing it fetches and runs (package, runtime, command, transport),
 * the settings it asks for (secret ones as password fields, never shown again), and Install with
 * its progress as /ws reports it, then the way to the new server.
 */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, type FieldIssue, type InstallRequest } from "../api/client.js";
import type { DiscoveredServer, DiscoveredServerDetail, InstallProgressMessage, InstallResponse } from "../api/types.js";
import { ApiProblem, errorText } from "../components/api-problem.js";
import { PageLink } from "../components/page-link.js";
import { store } from "../live/store.js";
import { useRequest } from "../live/use-request.js";

type Navigate = (path: string) => void;
type Input = DiscoveredServer["inputs"][number];
/** One step of an install, as /ws reports it while it runs and the install's answer lists them all. */
type Step = InstallResponse["install"]["progress"][number];

/** The server's title, or the last part of its registry name. */
export function entryTitle(server: Pick<DiscoveredServer, "title" | "name">): string {
  return server.title ?? server.name.split("/").at(-1) ?? server.name;
}

/** The parts of an entry's server.json this page shows. */
interface ServerJson {
  packages?: { registryType?: string; identifier?: string; version?: string; runtimeHint?: string; transport?: { type?: string } }[];
  remotes?: { type?: string; url?: string }[];
}

const RUNTIMES: Record<string, string> = { npm: "Node.js (npx)", pypi: "Python (uvx)", oci: "Docker" };

interface Plan {
  what: string;
  detail: string;
  runtime: string;
  transport: string;
}

function planOf(entry: DiscoveredServerDetail): Plan {
  const json = entry.server_json as ServerJson;
  const pkg = json.packages?.[0];
  if (pkg) {
    return {
      what: `${pkg.identifier ?? "?"}@${pkg.version ?? entry.version}`,
      detail: `${pkg.registryType ?? "package"} package, installed into the daemon's data folder (data/servers/${entry.id})`,
      runtime: pkg.runtimeHint ? `${RUNTIMES[pkg.registryType ?? ""] ?? pkg.registryType} · ${pkg.runtimeHint}` : (RUNTIMES[pkg.registryType ?? ""] ?? "—"),
      transport: pkg.transport?.type ?? "stdio",
    };
  }
  const remote = json.remotes?.[0];
  return {
    what: remote?.url ?? "—",
    detail: "a remote server: nothing is installed, the daemon connects to it",
    runtime: "none (runs elsewhere)",
    transport: remote?.type ?? "—",
  };
}

/** Where an input's value goes in the install request: secrets apart, package arguments by flag, the rest as environment. */
function slotOf(input: Input): keyof InstallRequest {
  if (input.secret) return "secrets";
  return input.kind === "argument" ? "arguments" : "env";
}

/** The input a problem is about, by its name as the last part of the field (`env.API_KEY`, `arguments.--db`). */
function inputFor(issue: FieldIssue, inputs: Input[]): Input | undefined {
  return inputs.find((input) => issue.field === input.name || issue.field.endsWith(`.${input.name}`) || issue.field.endsWith(`[${input.name}]`));
}

function fieldId(input: Input): string {
  return `input-${input.kind}-${input.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

type InstallState =
  | { step: "idle" }
  | { step: "installing" }
  | { step: "done"; result: InstallResponse }
  | { step: "failed"; message: string; issues: FieldIssue[] };

/** Text ending as a sentence does, so that another can follow it. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function Setting({ input, value, problem, onChange }: { input: Input; value: string; problem: string | undefined; onChange: (value: string) => void }) {
  const id = fieldId(input);
  const hint = `${id}-hint`;
  const error = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>
        {input.name}
        {input.required ? <span className="field-tag">required</span> : <span className="field-tag field-tag-quiet">optional</span>}
        {input.secret && <span className="field-tag field-tag-secret">secret</span>}
      </label>
      <input
        id={id}
        name={input.name}
        type={input.secret ? "password" : "text"}
        autoComplete={input.secret ? "new-password" : "off"}
        spellCheck={false}
        value={value}
        required={input.required}
        aria-invalid={problem !== undefined}
        aria-describedby={[hint, problem !== undefined ? error : ""].filter(Boolean).join(" ")}
        onChange={(event) => onChange(event.target.value)}
      />
      <p id={hint} className="field-hint">
        {sentence(input.description ?? (input.kind === "argument" ? "A command-line argument of the server" : "An environment variable of the server"))}
        {input.secret && " Stored encrypted by the daemon, never shown again."}
      </p>
      {problem !== undefined && (
        <p id={error} className="field-error">
          {problem}
        </p>
      )}
    </div>
  );
}

function Progress({ steps, state }: { steps: Step[]; state: InstallState }) {
  if (steps.length === 0 && state.step !== "installing") return null;
  const last = steps.at(-1);
  const percent = state.step === "done" ? 100 : (last?.percent ?? 0);
  return (
    <div className="install-progress" data-testid="install-progress">
      <div className="install-progress-head">
        <span id="install-progress-label">{state.step === "installing" ? "Installing…" : state.step === "done" ? "Installed" : "Install failed"}</span>
        <span className="muted">{last?.message}</span>
      </div>
      <progress max={100} value={percent} aria-labelledby="install-progress-label" />
      <ol className="install-steps" role="log" aria-live="polite" aria-label="Install steps">
        {steps.map((step, index) => (
          <li key={`${step.at}-${index}`} className={step.phase === "failed" ? "install-step-failed" : undefined} data-phase={step.phase}>
            <span className="install-phase">{step.phase}</span> {step.message}
          </li>
        ))}
      </ol>
    </div>
  );
}

export function DiscoverEntry({ id, navigate }: { id: string; navigate: Navigate }) {
  const entry = useRequest(() => store.api.catalogEntry(id), [id]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [state, setState] = useState<InstallState>({ step: "idle" });
  const [steps, setSteps] = useState<Step[]>([]);
  const installing = useRef(false);
  const form = useRef<HTMLFormElement>(null);

  useEffect(
    () =>
      store.onEvent((message) => {
        if (!installing.current || message.type !== "install_progress") return;
        const progress = message as unknown as InstallProgressMessage;
        if (progress.server_id === id && progress.operation === "install") setSteps((before) => [...before, progress]);
      }),
    [id],
  );

  useEffect(() => {
    if (state.step !== "failed") return;
    form.current?.querySelector<HTMLInputElement>('[aria-invalid="true"]')?.focus();
  }, [state]);

  if (entry.error) {
    const missing = entry.error instanceof ApiError && entry.error.status === 404;
    return (
      <div className="stack">
        <BackLink navigate={navigate} />
        {missing ? (
          <div className="panel empty">
            <p>The catalog has no server “{id}”.</p>
            <p className="muted">It may have been removed from its source. Search the catalog for another.</p>
          </div>
        ) : (
          <ApiProblem error={entry.error} what="This catalog entry" onRetry={entry.reload} />
        )}
      </div>
    );
  }
  if (!entry.data) return <p className="muted">Loading…</p>;
  const server = entry.data;
  const plan = planOf(server);
  const issues = state.step === "failed" ? state.issues : [];
  const problemOf = (input: Input) => issues.find((issue) => inputFor(issue, server.inputs) === input)?.message;
  const unplaced = issues.filter((issue) => inputFor(issue, server.inputs) === undefined);

  const install = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const request: InstallRequest = {};
    for (const input of server.inputs) {
      const value = values[input.name]?.trim() ?? "";
      if (value === "") continue;
      const slot = slotOf(input);
      request[slot] = { ...request[slot], [input.name]: value };
    }
    installing.current = true;
    setSteps([]);
    setState({ step: "installing" });
    try {
      const result = await store.api.install(server.id, request);
      setValues({});
      // The answer lists every step; the last events may still be on their way over /ws.
      setSteps(result.install.progress);
      setState({ step: "done", result });
      entry.reload();
    } catch (error) {
      setState({ step: "failed", message: errorText(error), issues: error instanceof ApiError ? error.issues : [] });
    } finally {
      installing.current = false;
    }
  };

  const serverPath = `/servers/${encodeURIComponent(server.id)}`;
  return (
    <div className="stack">
      <BackLink navigate={navigate} />
      <section className="panel entry-hero" aria-labelledby="entry-title">
        <div className="entry-hero-head">
          <div>
            <h2 id="entry-title" className="entry-title">
              {entryTitle(server)}
            </h2>
            <p className="muted entry-name">
              {server.name} · v{server.version}
            </p>
          </div>
          {server.installed && <span className="chip chip-ok">Installed</span>}
        </div>
        <p>{server.description}</p>
        <div className="chips">
          <span className="chip">{server.category}</span>
          {server.tags.map((tag) => (
            <span key={tag} className="chip chip-quiet">
              {tag}
            </span>
          ))}
        </div>
        {(server.repository_url ?? server.website_url) && (
          <p className="entry-links">
            {server.repository_url && <a href={server.repository_url}>Source repository</a>}
            {server.website_url && <a href={server.website_url}>Website</a>}
          </p>
        )}
      </section>

      <section aria-labelledby="runs-title">
        <h2 id="runs-title">What will be installed and run</h2>
        <dl className="plan panel">
          <div>
            <dt>Package</dt>
            <dd>
              <code data-testid="plan-package">{plan.what}</code>
              <span className="muted plan-detail">{plan.detail}</span>
            </dd>
          </div>
          <div>
            <dt>Runtime</dt>
            <dd>{plan.runtime}</dd>
          </div>
          <div>
            <dt>Installed with</dt>
            <dd>{server.install_command.length > 0 ? <code data-testid="plan-install">{server.install_command.join(" ")}</code> : <span className="muted">nothing to install</span>}</dd>
          </div>
          <div>
            <dt>Runs</dt>
            <dd>{server.run_command.length > 0 ? <code data-testid="plan-command">{server.run_command.join(" ")}</code> : <span className="muted">nothing runs here</span>}</dd>
          </div>
          <div>
            <dt>Transport</dt>
            <dd>{plan.transport}</dd>
          </div>
          {server.runtime_flags.length > 0 && (
            <div>
              <dt>Docker flags</dt>
              <dd>
                <code>{server.runtime_flags.join(" ")}</code>
              </dd>
            </div>
          )}
        </dl>
        {server.argv_secrets.length > 0 && (
          <p className="panel notice">
            {server.argv_secrets.join(", ")} {server.argv_secrets.length === 1 ? "is" : "are"} passed on the command line: while the server runs, other users of this
            machine can see {server.argv_secrets.length === 1 ? "it" : "them"} with <code>ps</code>.
          </p>
        )}
        {server.refused_runtime_flags.length > 0 && (
          <p className="panel notice">Refused Docker flags: {server.refused_runtime_flags.join("; ")}. The install fails unless discovery.oci.allow_unsafe_flags is set.</p>
        )}
      </section>

      <section aria-labelledby="install-title">
        <h2 id="install-title">Install</h2>
        <form ref={form} className="panel install-form" onSubmit={(event) => void install(event)} noValidate>
          {server.inputs.length === 0 ? (
            <p className="muted">This server needs no settings.</p>
          ) : (
            server.inputs.map((input) => (
              <Setting
                key={`${input.kind}:${input.name}`}
                input={input}
                value={values[input.name] ?? ""}
                problem={problemOf(input)}
                onChange={(value) => setValues((before) => ({ ...before, [input.name]: value }))}
              />
            ))
          )}
          {state.step === "failed" && (
            <div className="field-error install-failure" role="alert">
              <p>{issues.length > 0 && unplaced.length === 0 ? "Fix the settings marked above, then install again." : state.message}</p>
              {unplaced.length > 0 && (
                <ul>
                  {unplaced.map((issue) => (
                    <li key={`${issue.field}:${issue.message}`}>
                      <code>{issue.field}</code>: {issue.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          <div className="install-actions">
            <button type="submit" className="button button-primary" disabled={state.step === "installing" || server.installed}>
              {state.step === "installing" ? "Installing…" : server.installed ? "Installed" : `Install ${entryTitle(server)}`}
            </button>
            {server.installed && state.step !== "done" && (
              <span className="muted">
                A server with the id <code>{server.id}</code> is already registered.
              </span>
            )}
          </div>
          <Progress steps={steps} state={state} />
          {state.step === "done" && (
            <p className="panel success" role="status">
              {entryTitle(server)} is installed
              {state.result.install.started ? ` and running${state.result.install.capabilities ? ` with ${state.result.install.capabilities.tools.length} tools` : ""}` : ""}.{" "}
              <PageLink href={serverPath} navigate={navigate}>
                Open {server.id} in Servers →
              </PageLink>
            </p>
          )}
        </form>
      </section>
    </div>
  );
}

function BackLink({ navigate }: { navigate: Navigate }) {
  return (
    <PageLink href="/discover" navigate={navigate} className="link back-link">
      ← All servers
    </PageLink>
  );
}
