/**
 * One-click install from the discovery catalog, as a pipeline: resolve the catalog entry and plan
 * the install (install-plan.ts) -> preflight (runtime on PATH, URL policy) -> the kind's
 * installer downloads and installs -> secrets stored, server registered with the MCP manager ->
 * started -> checked with a ping -> capabilities and the install recorded in the catalog. Each
 * step is published as an `install_progress` event. Any failure rolls back everything done so
 * far (registration, secrets, the install record, the folder), so a failed install leaves
 * nothing behind. What a daemon killed mid-install leaves is cleaned at the next start: the
 * install command's process group is recorded like a server's (the manager's orphan reaping
 * ends it), and a folder still holding the `.installing` marker, written before the installer
 * runs and removed once the install is recorded, is removed by removeInterrupted().
 *
 * Only catalog entries are installed, by id: a request carries values for the inputs the entry
 * declares (environment variables, secrets, arguments), never a command. Secret values go to the
 * store's secrets table and the server's config (its env, headers, argv and url) holds `${NAME}`
 * references; they are never returned, published or logged.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve, isAbsolute } from "node:path";
import type { MessageBus } from "../bus/bus.js";
import type { InstallPhase } from "../bus/events.js";
import type { ServerConfigInput } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import { untilAborted } from "../core/deadline.js";
import { AppError, errorMessage, isAppError, type ErrorCode, type FieldIssue } from "../core/errors.js";
import { serverIdProblem } from "../core/ids.js";
import type { Logger } from "../core/logger.js";
import { INSTANCE_ENV, URL_POLICY_REFUSAL, type McpManager, type ServerView } from "../mcp/index.js";
import { isStorageFull, storageFullError, type InstallRecord, type Store } from "../store/index.js";
import type { CapabilitiesSummary } from "./cache.js";
import type { Catalog } from "./catalog.js";
import { planInstall, SERVERS_SUBDIR, type InstallKind, type InstallPlan } from "./install-plan.js";
import { installerRegistry, type Installer, type PlanAdjustment } from "./installer.js";
import { createNpmInstaller, type NpmInstallerOptions } from "./npm-installer.js";
import { createOciInstaller } from "./oci-installer.js";
import { createPypiInstaller } from "./pypi-installer.js";
import { createRemoteInstaller } from "./remote-installer.js";
import type { CommandGroups } from "./run-command.js";
import { MARKETPLACE_META_KEY, type CatalogEntry } from "./schema.js";

export const DEFAULT_INSTALL_TIMEOUT_MS = 180_000;
/** In data/servers/<id> from before the installer runs until the install is recorded. */
export const INSTALLING_MARKER = ".installing";
/** Finished installs whose status is kept for GET .../install/{id}. */
const KEPT_STATUSES = 200;

/** What a person gives to install a catalog entry; every field is optional. */
export interface InstallRequest {
  /** Values for the environment variables (and remote URL or header variables) the entry declares. */
  env?: Record<string, string>;
  /** Like env, but always stored as secrets, never written into the server's config. */
  secrets?: Record<string, string>;
  /** Values for package arguments, by positional `valueHint` or flag name ("--db-path"). */
  arguments?: Record<string, string | string[]>;
  /** Start the server after installing (the default) or leave it stopped. */
  start?: boolean;
}

export interface InstallProgress {
  phase: InstallPhase;
  message: string;
  percent?: number;
  at: number;
}

export interface InstallSummary {
  server_id: string;
  catalog_id: string;
  kind: InstallKind;
  package: { registry_type: string; identifier: string; version: string } | null;
  remote: { type: "sse" | "streamable-http"; url: string } | null;
  /** The folder the package was installed into, or null. */
  install_dir: string | null;
  /** The command that installed it, as the catalog shows it. */
  install_command: string[];
  /** Names of the secrets stored for the server; never their values. */
  secrets: string[];
  started: boolean;
  capabilities: CapabilitiesSummary | null;
  duration_ms: number;
  progress: InstallProgress[];
}

export interface InstallResult {
  server: ServerView;
  install: InstallSummary;
}

export interface InstallStatus {
  server_id: string;
  operation: "install" | "uninstall";
  state: "running" | "done" | "failed";
  phase: InstallPhase;
  message: string;
  percent: number | null;
  started_at: number;
  finished_at: number | null;
  progress: InstallProgress[];
  error: { code: ErrorCode; message: string } | null;
}

export interface UninstallResult {
  server_id: string;
  /** Whether a registered server was stopped and removed. */
  unregistered: boolean;
  /** The folder removed, or null. */
  removed_dir: string | null;
  /** How many secrets were forgotten. */
  secrets_removed: number;
}

export interface InstallOptions {
  /** Called with each progress step, besides the bus event. */
  onProgress?: (progress: InstallProgress) => void;
}

export interface InstallService {
  /** Installs the catalog entry `catalogId` under the same server id. */
  install(catalogId: string, request?: InstallRequest, options?: InstallOptions): Promise<InstallResult>;
  /** Stops and unregisters the server, removes its folder under data/servers and its secrets. */
  uninstall(serverId: string): Promise<UninstallResult>;
  /** The current or last install or uninstall of the id, while the daemon runs. */
  status(serverId: string): InstallStatus | undefined;
  /** Every install recorded in the store. */
  list(): Promise<InstallRecord[]>;
  /**
   * Removes the folders of installs a killed daemon left unfinished (the marker there, no install
   * recorded); call at start, after the manager has ended the install commands it left running.
   * Resolves with the folders removed.
   */
  removeInterrupted(): Promise<string[]>;
  /** Cancels installs under way (rolling them back) and stops listening to the bus. */
  close(): Promise<void>;
}

export interface InstallServiceDeps {
  catalog: Catalog;
  manager: McpManager;
  store: Pick<Store, "secrets" | "installs" | "processGroups">;
  bus: MessageBus;
  logger: Logger;
  clock: Clock;
  /** Packages go to `<dataDir>/servers/<id>`. */
  dataDir: string;
  /** The daemon's environment: PATH for finding runtimes, and secrets already set there. */
  environment?: NodeJS.ProcessEnv;
  installTimeoutMs?: number;
  npm?: NpmInstallerOptions;
  /** The installers by kind; npm, pypi, oci and remote by default. */
  installers?: readonly Installer[];
  /** The Node executable npm servers run with; the daemon's own by default. */
  nodePath?: string;
  /** `discovery.oci.allow_unsafe_flags`: docker flags that reach the host are refused otherwise. */
  allowUnsafeOciFlags?: boolean;
}

interface Run {
  id: string;
  status: InstallStatus;
  abort: AbortController;
  done: Promise<unknown>;
  progress(phase: InstallPhase, message: string, percent?: number): void;
}

/** What an install has done so far, so a rollback undoes exactly that. */
interface Undo {
  dir: string | null;
  secrets: boolean;
  registered: boolean;
  recorded: boolean;
}

export function createInstallService(deps: InstallServiceDeps): InstallService {
  const { catalog, manager, store, bus, clock } = deps;
  const logger = deps.logger.child({ module: "discovery.install" });
  const environment = deps.environment ?? process.env;
  const dataDir = resolve(deps.dataDir);
  const serversDir = join(dataDir, SERVERS_SUBDIR);
  const timeoutMs = deps.installTimeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS;
  const installers = installerRegistry(
    deps.installers ?? [
      createNpmInstaller(deps.npm),
      createPypiInstaller(),
      createOciInstaller(),
      // The manager owns the network policy (a config reload changes it there); it checks again at connect time.
      createRemoteInstaller(() => manager.networkPolicy()),
    ],
  );
  const busy = new Map<string, Run>();
  const statuses = new Map<string, InstallStatus>();
  let closed = false;

  // A server removed another way (DELETE /api/v1/mcp/servers/{id}) takes its install with it.
  const unsubscribe = bus.subscribe("server_removed", ({ server_id }) => {
    if (busy.has(server_id)) return;
    void forget(server_id).catch((error: unknown) => logger.warn({ server_id, error: errorMessage(error) }, "could not clean up after a removed server"));
  });

  function startRun(id: string, operation: InstallStatus["operation"], onProgress?: (progress: InstallProgress) => void): Run {
    const at = clock.now();
    const status: InstallStatus = {
      server_id: id,
      operation,
      state: "running",
      phase: "resolving",
      message: "",
      percent: 0,
      started_at: at,
      finished_at: null,
      progress: [],
      error: null,
    };
    statuses.delete(id);
    statuses.set(id, status);
    for (const old of statuses.keys()) {
      if (statuses.size <= KEPT_STATUSES) break;
      if (!busy.has(old)) statuses.delete(old);
    }
    return {
      id,
      status,
      abort: new AbortController(),
      done: Promise.resolve(),
      progress(phase, message, percent) {
        const step: InstallProgress = { phase, message, ...(percent !== undefined ? { percent } : {}), at: clock.now() };
        status.phase = phase;
        status.message = message;
        if (percent !== undefined) status.percent = percent;
        status.progress.push(step);
        bus.publish({ type: "install_progress", server_id: id, operation, ...step });
        try {
          onProgress?.(step);
        } catch (error) {
          logger.warn({ server_id: id, error: errorMessage(error) }, "install progress listener failed");
        }
      },
    };
  }

  function finishRun(run: Run, error?: AppError): void {
    run.status.finished_at = clock.now();
    if (error) {
      run.status.state = "failed";
      run.status.error = { code: error.code, message: error.message };
      run.progress("failed", error.message);
      run.status.percent = null;
    } else {
      run.status.state = "done";
    }
  }

  /** Runs one install or uninstall of `id` at a time. */
  async function exclusive<T>(id: string, operation: InstallStatus["operation"], onProgress: InstallOptions["onProgress"], work: (run: Run) => Promise<T>): Promise<T> {
    const problem = serverIdProblem(id);
    if (problem) throw new AppError("INVALID_ID", `server_id: ${problem}`, { issues: [{ field: "server_id", message: problem }] });
    if (closed) throw new AppError("INSTALL_FAILED", "the daemon is stopping");
    const current = busy.get(id);
    if (current) throw new AppError("INSTALL_IN_PROGRESS", `"${id}" is being ${current.status.operation}ed already; wait for it to finish`);
    const run = startRun(id, operation, onProgress);
    busy.set(id, run);
    const done = (async () => {
      try {
        const result = await work(run);
        finishRun(run);
        return result;
      } catch (error) {
        const failure = asAppError(error, dataDir);
        finishRun(run, failure);
        throw failure;
      } finally {
        busy.delete(id);
      }
    })();
    run.done = done.catch(() => undefined);
    return done;
  }

  function isRegistered(id: string): ServerView | undefined {
    return manager.list().find((view) => view.id === id);
  }

  /** SERVER_EXISTS saying where the server with this id comes from and how to free the id. */
  function alreadyRegistered(view: ServerView): AppError {
    const where =
      view.source === "config"
        ? "is already configured in the daemon's config file (mcp_server_configs.json unless `serve --config` names another); it runs from there, or remove its entry to install it here"
        : `is already registered through the API or an earlier install; \`pygent uninstall ${view.id}\` or DELETE /api/v1/mcp/servers/${view.id} first`;
    return new AppError("SERVER_EXISTS", `a server "${view.id}" ${where}`, { server_id: view.id, source: view.source });
  }

  function makePlan(entry: CatalogEntry, request: InstallRequest, given: Record<string, string>, adjustment?: PlanAdjustment): InstallPlan {
    const options = {
      env: given,
      ...(request.arguments ? { arguments: request.arguments } : {}),
      environment,
      dataDir,
      ...(deps.nodePath ? { nodePath: deps.nodePath } : {}),
      ...(deps.allowUnsafeOciFlags ? { allowUnsafeOciFlags: true } : {}),
      ...adjustment,
    };
    try {
      return planInstall(entry, options);
    } catch (error) {
      throw missingInputs(error, entry) ?? error;
    }
  }

  /** Our own folder for the plan's install, or null when it installs elsewhere (or nowhere). */
  function ownedDir(plan: InstallPlan): string | null {
    if (plan.install_dir === null) return null;
    const dir = resolve(plan.install_dir);
    return isInside(dir, serversDir) ? dir : null;
  }

  async function removeDir(dir: string | null): Promise<string | null> {
    if (dir === null || !isInside(dir, serversDir) || !existsSync(dir)) return null;
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    return dir;
  }

  async function rollback(id: string, undo: Undo): Promise<void> {
    const steps: Array<[string, () => Promise<unknown>]> = [];
    if (undo.registered) steps.push(["unregister", () => manager.removeServer(id)]);
    if (undo.secrets) steps.push(["forget secrets", () => store.secrets.removeForServer(id)]);
    if (undo.recorded) steps.push(["forget the install", () => store.installs.remove(id)]);
    steps.push(["remove the folder", () => removeDir(undo.dir)]);
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (error) {
        logger.error({ server_id: id, step: what, error: errorMessage(error) }, "rollback step failed");
      }
    }
  }

  async function forget(id: string): Promise<void> {
    const record = await store.installs.get(id);
    const secrets = await store.secrets.removeForServer(id);
    if (!record && secrets === 0) return;
    const dir = await removeDir(record?.install_dir ?? null);
    await store.installs.remove(id);
    logger.info({ server_id: id, removed_dir: dir, secrets_removed: secrets }, "removed server's install cleaned up");
    refreshLocal();
  }

  /** The install commands of `id` run in process groups recorded under this daemon's instance. */
  function commandGroups(id: string): CommandGroups {
    const instance = manager.daemonInstance;
    return {
      env: { [INSTANCE_ENV]: instance },
      started: (pgid, command) =>
        store.processGroups
          .add({ pgid, pid: pgid, server_id: id, daemon_pid: process.pid, daemon_instance: instance, command, started_at: clock.now(), kind: "install" })
          .catch((error: unknown) => logger.error({ server_id: id, error: errorMessage(error) }, "could not record the install command's process group")),
      ended: (pgid) =>
        store.processGroups
          .remove(pgid)
          .catch((error: unknown) => logger.error({ server_id: id, error: errorMessage(error) }, "could not forget the install command's process group")),
    };
  }

  async function removeInterrupted(): Promise<string[]> {
    const names = await readdir(serversDir).catch(() => [] as string[]);
    const removed: string[] = [];
    for (const name of names) {
      const dir = join(serversDir, name);
      const marker = join(dir, INSTALLING_MARKER);
      if (!existsSync(marker)) continue;
      if (await store.installs.get(name)) {
        // Recorded, then killed before the marker went: the install is complete.
        await rm(marker, { force: true });
        continue;
      }
      await removeDir(dir);
      removed.push(dir);
      logger.warn({ server_id: name, dir }, "removed the folder of an install a stopped daemon left unfinished");
    }
    return removed;
  }

  function refreshLocal(): void {
    // The local scan marks catalog entries installed; after a change on disk it should look again.
    catalog.refresh({ local: true }).catch((error: unknown) => logger.warn({ error: errorMessage(error) }, "catalog refresh failed"));
  }

  async function runInstall(run: Run, request: InstallRequest): Promise<InstallResult> {
    const id = run.id;
    const began = clock.now();
    run.progress("resolving", `looking up "${id}" in the discovery catalog`, 5);
    const entry = catalog.get(id);
    if (!entry) {
      throw new AppError("CATALOG_ENTRY_NOT_FOUND", `no server "${id}" in the discovery catalog; find one with GET /api/v1/mcp/discovery/search?q=`);
    }
    const existing = isRegistered(id);
    if (existing) throw alreadyRegistered(existing);
    const given = mergeInputs(request);
    let plan = makePlan(entry, request, given);
    const installer = installers.get(plan.kind);
    if (!installer) throw new AppError("INSTALL_FAILED", `no installer for ${plan.kind} packages`);
    const adjustment = installer.preflight(plan, environment);
    if (adjustment) {
      plan = makePlan(entry, request, given, adjustment);
      installer.preflight(plan, environment);
    }
    // A plan for an "already installed" package whose files have gone is planned afresh.
    const installedPackage = plan.install_dir !== null && plan.package ? join(plan.install_dir, "node_modules", plan.package.identifier) : null;
    if (plan.already_installed && installedPackage !== null && !existsSync(installedPackage)) {
      plan = makePlan(withoutLocalInstall(entry), request, given, adjustment);
    }
    const what = plan.package ? `${plan.package.identifier}@${plan.package.version} (${plan.kind})` : `${plan.kind} server`;
    run.progress("resolving", `planned ${what}`, 10);

    const undo: Undo = { dir: null, secrets: false, registered: false, recorded: false };
    try {
      const dir = ownedDir(plan);
      if (dir !== null && !plan.already_installed) {
        undo.dir = dir;
        if (existsSync(dir)) {
          logger.warn({ server_id: id, dir }, "an old folder was left for this server; replacing it");
          await removeDir(dir);
        }
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, INSTALLING_MARKER), `${JSON.stringify({ daemon_pid: process.pid, started_at: clock.now() })}\n`);
        // A stop while the folder was made would otherwise reach the installer as a signal already aborted.
        run.abort.signal.throwIfAborted();
      }
      const installed = await installer.install({
        plan,
        environment,
        timeoutMs,
        signal: run.abort.signal,
        progress: run.progress,
        logger,
        groups: commandGroups(id),
      });
      run.abort.signal.throwIfAborted();

      run.progress("registering", `registering "${id}" with the MCP manager`, 70);
      const { server, values } = keepSecretsOut(installed.server, plan.secrets, given, request.secrets ?? {});
      const secretNames = Object.keys(values).sort();
      if (secretNames.length > 0) {
        undo.secrets = true;
        await store.secrets.set(id, values, clock.now());
      }
      undo.recorded = true;
      await store.installs.save({
        server_id: id,
        catalog_id: id,
        kind: plan.kind,
        package: plan.package?.identifier ?? null,
        version: plan.package?.version ?? null,
        install_dir: dir,
        installed_at: clock.now(),
      });
      if (undo.dir !== null) await rm(join(undo.dir, INSTALLING_MARKER), { force: true });
      await manager.registerServer(id, server, { start: false });
      undo.registered = true;

      let capabilities: CapabilitiesSummary | null = null;
      const start = request.start !== false;
      if (start) {
        run.progress("starting", `starting "${id}"`, 80);
        // A stop of the daemon must not wait for a server slow to start: the rollback stops it.
        const view = await untilAborted(manager.startServer(id), run.abort.signal);
        if (view.state !== "running") throw startFailure(id, view);
        run.progress("checking", `checking that "${id}" answers`, 90);
        await manager.ping(id, { signal: run.abort.signal }).catch((error: unknown) => {
          run.abort.signal.throwIfAborted();
          throw new AppError("INSTALL_FAILED", `"${id}" started but did not answer a ping: ${errorMessage(error)}`);
        });
        const snapshot = manager.capabilities(id);
        if (snapshot) {
          const summary = {
            server_name: snapshot.server_name,
            server_version: snapshot.server_version,
            tools: snapshot.tools.map((tool) => tool.name),
            resources: snapshot.resources.length,
            prompts: snapshot.prompts.length,
          };
          await catalog.recordCapabilities(id, summary);
          capabilities = catalog.capabilities(id) ?? { ...summary, captured_at: new Date(clock.now()).toISOString() };
        }
      }
      await catalog.recordInstall(id);
      const tools = capabilities ? `, ${capabilities.tools.length} tools` : "";
      run.progress("done", start ? `"${id}" is installed and running${tools}` : `"${id}" is installed (not started)`, 100);
      refreshLocal();
      logger.info({ server_id: id, kind: plan.kind, package: plan.package, secrets: secretNames }, "server installed");
      return {
        server: manager.get(id),
        install: {
          server_id: id,
          catalog_id: id,
          kind: plan.kind,
          package: plan.package,
          remote: plan.remote,
          install_dir: dir,
          install_command: plan.install_command,
          secrets: secretNames,
          started: start,
          capabilities,
          duration_ms: clock.now() - began,
          progress: [...run.status.progress],
        },
      };
    } catch (error) {
      logger.warn({ server_id: id, error: errorMessage(error) }, "install failed; rolling back");
      await rollback(id, undo);
      throw error;
    }
  }

  async function runUninstall(run: Run): Promise<UninstallResult> {
    const id = run.id;
    run.progress("resolving", `looking up "${id}"`, 5);
    const record = await store.installs.get(id);
    const view = isRegistered(id);
    if (!record && !view) throw new AppError("SERVER_NOT_FOUND", `"${id}" is not installed`);
    if (view?.source === "config") {
      throw new AppError("SERVER_CONFIG_MANAGED", `server "${id}" is defined in the config file; edit the file to remove it`);
    }
    if (view) {
      run.progress("registering", `stopping and unregistering "${id}"`, 30);
      await manager.removeServer(id);
    }
    const secrets = await store.secrets.removeForServer(id);
    run.progress("installing", `removing the files of "${id}"`, 60);
    const removed = (await removeDir(record?.install_dir ?? null)) ?? (await removeDir(join(serversDir, id)));
    await store.installs.remove(id);
    refreshLocal();
    run.progress("done", `"${id}" is uninstalled`, 100);
    logger.info({ server_id: id, removed_dir: removed, secrets_removed: secrets }, "server uninstalled");
    return { server_id: id, unregistered: view !== undefined, removed_dir: removed, secrets_removed: secrets };
  }

  return {
    install(catalogId, request = {}, options = {}) {
      return exclusive(catalogId, "install", options.onProgress, (run) => runInstall(run, request));
    },

    uninstall(serverId) {
      return exclusive(serverId, "uninstall", undefined, (run) => runUninstall(run));
    },

    status(serverId) {
      const status = statuses.get(serverId);
      return status && { ...status, progress: [...status.progress] };
    },

    list() {
      return store.installs.list();
    },

    removeInterrupted,

    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      const runs = [...busy.values()];
      for (const run of runs) run.abort.abort(new AppError("INSTALL_FAILED", "the daemon is stopping; the install was rolled back"));
      await Promise.all(runs.map((run) => run.done));
    },
  };
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

function asAppError(error: unknown, dataDir: string): AppError {
  if (isAppError(error)) return error;
  if (isStorageFull(error)) return storageFullError(error, dataDir);
  return new AppError("INSTALL_FAILED", errorMessage(error));
}

/** env and secrets together, as planInstall takes them; the same name twice must agree. */
function mergeInputs(request: InstallRequest): Record<string, string> {
  const env = request.env ?? {};
  const secrets = request.secrets ?? {};
  const issues: FieldIssue[] = [];
  for (const name of Object.keys(secrets)) {
    if (Object.hasOwn(env, name) && env[name] !== secrets[name]) {
      issues.push({ field: `secrets.${name}`, message: "is also in env with another value; give it once" });
    }
  }
  if (issues.length > 0) throw new AppError("VALIDATION_FAILED", issues.map((i) => `${i.field}: ${i.message}`).join("\n"), { issues });
  return { ...env, ...secrets };
}

/**
 * The values to store as secrets, and the server entry without them: each secret the plan turned
 * into a `${NAME}` reference, and each value given under `secrets` that the plan wrote in as
 * plain text (a variable the catalog does not mark secret), which becomes a reference too.
 */
function keepSecretsOut(
  server: ServerConfigInput,
  planSecrets: readonly string[],
  given: Readonly<Record<string, string>>,
  explicit: Readonly<Record<string, string>>,
): { server: ServerConfigInput; values: Record<string, string> } {
  const values: Record<string, string> = {};
  for (const name of planSecrets) {
    const value = given[name];
    if (value !== undefined) values[name] = value;
  }
  const env = server.env ? { ...server.env } : undefined;
  const headers = server.headers ? { ...server.headers } : undefined;
  for (const [name, value] of Object.entries(explicit)) {
    if (value === "") continue;
    const reference = `\${${name}}`;
    let used = false;
    if (env) {
      for (const [key, current] of Object.entries(env)) {
        if (current === value) {
          env[key] = reference;
          used = true;
        }
      }
    }
    // Inside a header ("Bearer <token>") only a value long enough not to match by chance.
    if (headers && value.length >= 4) {
      for (const [key, current] of Object.entries(headers)) {
        if (current.includes(value)) {
          headers[key] = current.split(value).join(reference);
          used = true;
        }
      }
    }
    if (used) values[name] = value;
  }
  return { server: { ...server, ...(env ? { env } : {}), ...(headers ? { headers } : {}) }, values };
}

/**
 * SECRET_REQUIRED naming each missing environment variable, secret, header or URL variable, when
 * that is why the plan failed; undefined for any other failure.
 */
function missingInputs(error: unknown, entry: CatalogEntry): AppError | undefined {
  if (!isAppError(error) || error.code !== "VALIDATION_FAILED") return undefined;
  const issues = (error.details as { issues?: FieldIssue[] } | null)?.issues ?? [];
  const names: string[] = [];
  for (const issue of issues) {
    const variable = /\.\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(issue.field);
    if (variable && issue.message.startsWith("needs variable")) names.push(variable[1]!);
    else if (issue.field.startsWith("env.") && issue.message.startsWith("is required")) names.push(issue.field.slice(4));
    else if (issue.field.startsWith("headers.") && issue.message.startsWith("is required")) {
      names.push(/give it as ([A-Za-z0-9_]+)/.exec(issue.message)?.[1] ?? issue.field.slice(8));
    } else if (issue.field.startsWith("arguments.") && issue.message.startsWith("is required (give it as the secret")) {
      names.push(/give it as the secret ([A-Za-z0-9_]+)/.exec(issue.message)![1]!);
    }
  }
  if (names.length === 0) return undefined;
  const unique = [...new Set(names)];
  const id = entry._meta[MARKETPLACE_META_KEY].id;
  const lines = issues.map((issue) => `${issue.field}: ${issue.message}`).join("\n");
  return new AppError(
    "SECRET_REQUIRED",
    `cannot install "${id}" without ${unique.join(", ")}; give ${unique.length > 1 ? "them" : "it"} in "secrets" (or "env" for a value that is not secret):\n${lines}`,
    { missing: unique, issues },
  );
}

/** The entry as if nothing were installed locally, for planning a fresh install. */
function withoutLocalInstall(entry: CatalogEntry): CatalogEntry {
  const copy = structuredClone(entry);
  const market = copy._meta[MARKETPLACE_META_KEY];
  delete market.local;
  delete market.install_prefix;
  return copy;
}

function startFailure(id: string, view: ServerView): AppError {
  const reason = view.reason ?? view.state;
  if (reason.includes(URL_POLICY_REFUSAL)) return new AppError("URL_NOT_ALLOWED", `"${id}" was not started: ${reason}`);
  return new AppError("INSTALL_FAILED", `"${id}" was installed but did not start (${view.state}): ${reason}`);
}
