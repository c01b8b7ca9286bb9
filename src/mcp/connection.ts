/**
 * One live MCP session with one server, over any transport, through the official SDK client:
 * connect, initialize, record what the server said about itself and the lists it serves.
 */
import type { Client, Transport } from "@modelcontextprotocol/client";
import type { CapabilitySnapshot, PromptSummary, ResourceSummary, ToolSummary } from "../bus/events.js";
import type { ServerConfig } from "../config/schema.js";
import { expandArgv, expandReference, expandReferences } from "../config/env-expansion.js";
import { untilAborted, withDeadline } from "../core/deadline.js";
import { AppError, errorMessage, isAppError } from "../core/errors.js";
import { InFlightCalls, UPSTREAM_REQUEST_METHODS } from "./in-flight-calls.js";
import { ProcessGroupTransport, SpawnError, type ExitInfo } from "./stdio-transport.js";
import { meaningfulStderrLine, STDERR_TAIL_LINES } from "./stderr-reason.js";
import { HttpPing } from "./http-ping.js";
import { remoteFetch } from "./remote-fetch.js";
import { isUrlRefusal, type UrlGuard } from "./url-policy.js";

export const CLIENT_INFO = { name: "pygent-factory", version: "0.1.0" };

type Sdk = typeof import("@modelcontextprotocol/client");
let sdk: Promise<Sdk> | undefined;

/**
 * The SDK client loads on first use, after the first stdio server has been spawned: the servers
 * boot while the SDK loads, which is most of the daemon's time to ready.
 */
function loadSdk(): Promise<Sdk> {
  sdk ??= import("@modelcontextprotocol/client");
  return sdk;
}

/** The environment a stdio server starts with: the daemon's basics, never its secrets. */
const INHERITED_ENV = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LANG", "LC_ALL", "TMPDIR", "TZ", "NODE_EXTRA_CA_CERTS"];

export function baseEnvironment(environment: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    const value = environment[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export interface ConnectionHooks {
  onStderr?: (line: string) => void;
  onNoise?: (line: string) => void;
  onTransportError?: (error: Error) => void;
  /** The process started (stdio only). */
  onSpawn?: (pid: number) => void;
  /**
   * The session ended without close() being called: the process exited or the stream broke.
   * `permanent` when connecting again cannot help (the network policy now refuses the URL);
   * `clean` when the process exited with code 0 of its own accord (not ended by the transport).
   */
  onLost?: (reason: string, loss: { exit: ExitInfo | undefined; permanent: boolean; clean: boolean }) => void;
  /** The server said its tools, resources or prompts changed. */
  onListChanged?: (list: "tools" | "resources" | "prompts") => void;
  /** The server said a resource the daemon subscribed to changed. */
  onResourceUpdated?: (uri: string) => void;
}

export interface ConnectOptions {
  environment: NodeJS.ProcessEnv;
  /** Extra variables for the child, e.g. markers that let the daemon find orphans later. */
  extraEnv?: Record<string, string>;
  hooks?: ConnectionHooks;
  signal?: AbortSignal;
  /**
   * The server's stored secrets, read afresh at each start: its `${VAR}` references are filled
   * from them first, then from `environment`. Never part of the child's inherited environment.
   */
  secrets?: () => Promise<Record<string, string>>;
  /** Checks a remote server's URL before connecting and on every request (the SSRF guard). */
  urlGuard?: UrlGuard;
}

/** A start that failed; `permanent` when trying again cannot help (see classifyStartFailure). */
export class StartFailure extends Error {
  override readonly name = "StartFailure";
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A request's options as the SDK takes them. */
type RequestOptions = NonNullable<Parameters<Client["request"]>[2]>;

/** A result schema (Standard Schema) that takes any value as it is. */
const UNCHECKED = { "~standard": { version: 1, vendor: "pygent", validate: (value: unknown) => ({ value }) } } as const;

export class Connection {
  private closing = false;
  /** The server announced a tools, resources or prompts list_changed since the last listing. */
  listsChanged = false;

  constructor(
    readonly client: Client,
    readonly transport: Transport,
    public snapshot: CapabilitySnapshot,
    private readonly requestTimeoutMs: number,
    /** Whose sampling and elicitation requests the server's are (see in-flight-calls.ts). */
    readonly calls: InFlightCalls,
    /** The health check's lean ping, for a Streamable HTTP server. */
    private readonly httpPing?: HttpPing,
  ) {}

  /**
   * An MCP ping: bare over HTTP when it can be (http-ping.ts), through the SDK otherwise. Any
   * result will do: the SDK takes only a JSON-RPC response whose result is an object (any other
   * answer goes unmatched and the ping times out), so its schema parse of the empty result, a
   * tenth of a stdio server's health check, is left out. A session in the modern protocol era
   * keeps the SDK's own ping, as it keeps its callTool.
   */
  async ping(options: { timeout: number; signal?: AbortSignal }): Promise<void> {
    if (this.httpPing && (await this.httpPing.ping(options))) return;
    if (this.modernEra) await this.client.ping(options);
    else await this.client.request({ method: "ping" }, UNCHECKED, options);
  }

  /**
   * tools/call, answered with the server's result unchecked: the caller checks it once
   * (tool-result.ts) instead of the SDK's schema parse of every result, which cost a tenth of the
   * daemon's CPU per call. A session in the modern protocol era keeps the SDK's callTool, which
   * mirrors declared parameters into request headers and lists again when a server asks for them.
   */
  callTool(name: string, args: Record<string, unknown>, options: RequestOptions): Promise<unknown> {
    if (this.modernEra) return this.client.callTool({ name, arguments: args }, options);
    return this.client.request({ method: "tools/call", params: { name, arguments: args } }, UNCHECKED, options);
  }

  /** The session speaks the modern protocol era (2026-07-28), in which a tool's structuredContent may be any JSON value. */
  get modernEra(): boolean {
    return this.client.getProtocolEra() === "modern";
  }

  /** Lists everything again, straight from the server, and keeps it as the snapshot. */
  async refresh(timeoutMs = this.requestTimeoutMs, signal?: AbortSignal): Promise<CapabilitySnapshot> {
    // Cleared before listing: a change announced while the lists are read asks for another listing.
    this.listsChanged = false;
    const began = performance.now();
    const lists = await listEverything(this.client, timeoutMs, signal);
    this.snapshot = {
      ...this.snapshot,
      ...lists,
      timings: { ...this.snapshot.timings, list_ms: round(performance.now() - began) },
      captured_at: Date.now(),
    };
    return this.snapshot;
  }

  get pid(): number | null {
    return this.transport instanceof ProcessGroupTransport ? this.transport.pid : null;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.httpPing?.close();
    await this.client.close().catch(() => {});
    await this.transport.close().catch(() => {});
  }
}

/** Socket errors that mean the remote end is not there (any more). */
const LOST_CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_SOCKET"]);

/**
 * Reads an HTTP status or a socket error code through the `cause` chain (fetch keeps the socket
 * error there). 404 is how a Streamable HTTP server says a session expired; a server that
 * restarted and forgot its sessions answers 400 naming the session.
 */
export function remoteSessionLoss(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const status = (current as { status?: unknown }).status;
    const message = errorMessage(current);
    if (status === 404) return `session expired: the server answered 404 (${message})`;
    if (status === 400 && /session/i.test(message)) return `session lost: the server answered 400 (${message})`;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && LOST_CONNECTION_CODES.has(code)) {
      return `${code === "ECONNREFUSED" ? "connection refused" : "connection lost"} (${code})`;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The network policy's refusal of a request, found through the `cause` chain: the policy was
 * tightened (a config reload) under a session it no longer allows, or the server pointed the
 * transport at an address it does not allow.
 */
export function policyRefusal(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (isUrlRefusal(current)) return errorMessage(current);
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

interface SessionLoss {
  reason: string;
  /** Connecting again cannot help: the network policy refuses the server's URL. */
  permanent: boolean;
}

/**
 * Why a transport error means the session is gone, or undefined when it stands (a tool error, a
 * slow answer). A stdio session ends with its process, which reports itself; only a remote one
 * can be lost while the daemon holds it. An SSE session lives as long as its
 * event stream: once the stream broke, the server has forgotten the session (the SDK's
 * EventSource would reconnect into a new, uninitialized one, and requests to the old endpoint go
 * unanswered). A request the network policy refuses ends the session for good: every later one
 * would be refused too, and so would a reconnect.
 */
function sessionLossOf(transport: ServerConfig["transport"], { SseError }: Sdk): (error: unknown) => SessionLoss | undefined {
  if (transport === "stdio") return () => undefined;
  return (error) => {
    const refused = policyRefusal(error);
    if (refused !== undefined) return { reason: refused, permanent: true };
    const reason = transport === "sse" && SseError.isInstance(error) ? `SSE stream lost: ${errorMessage(error)}` : remoteSessionLoss(error);
    return reason === undefined ? undefined : { reason, permanent: false };
  };
}

/**
 * The transport, with the server's `${VAR}` references filled in only here, for the child's argv
 * and environment or the request's URL and headers; the config keeps the references.
 */
async function buildTransport(
  config: ServerConfig,
  options: ConnectOptions,
  references: NodeJS.ProcessEnv,
  url: URL | undefined,
): Promise<{ transport: Transport; httpPing?: HttpPing }> {
  if (config.transport === "stdio") {
    const [command, ...args] = expandArgv(config.command ?? [], references);
    if (command === undefined) throw new AppError("CONFIG_INVALID", "command: must not be empty");
    const transport = new ProcessGroupTransport({
      command,
      args,
      env: {
        ...baseEnvironment(options.environment),
        ...expandReferences(config.env, "env", references),
        ...options.extraEnv,
      },
      cwd: config.cwd,
      shutdownTimeoutMs: config.shutdown_timeout * 1000,
    });
    return { transport };
  }
  if (url === undefined) throw new AppError("CONFIG_INVALID", "url: is required for a remote server");
  const headers = expandReferences(config.headers, "headers", references);
  const requestInit: RequestInit = { headers };
  const fetch = remoteFetch({ caFile: config.tls?.ca_file, urlGuard: options.urlGuard });
  const { SSEClientTransport, StreamableHTTPClientTransport } = await loadSdk();
  if (config.transport === "sse") return { transport: new SSEClientTransport(url, { requestInit, fetch }) };
  const transport = new StreamableHTTPClientTransport(url, { requestInit, fetch });
  return { transport, httpPing: new HttpPing(url, headers, transport, config.tls?.ca_file, options.urlGuard) };
}

function explained(line: string | undefined): string {
  return line ? `: ${line}` : "";
}

/** The protocol version a server offered that the SDK client refused, if that is why initialize failed. */
function refusedProtocolVersion(error: unknown): string | undefined {
  return /protocol version is not supported: (\S+)/i.exec(errorMessage(error))?.[1];
}

/**
 * Whether trying the start again can help, decided here and only here. Permanent: the command
 * does not exist or cannot run, an unset `${VAR}` or another invalid entry (a bad URL, no
 * command), a URL the network policy refuses, a protocol version the client does not speak.
 * Everything else may pass on a later try: timeouts, refused connections, 5xx answers, exits.
 */
export function classifyStartFailure(error: unknown, reason = errorMessage(error)): StartFailure {
  if (error instanceof StartFailure) return error;
  const offered = refusedProtocolVersion(error);
  if (offered !== undefined) {
    return new StartFailure(`protocol_version_unsupported: the server offered protocol version ${offered}, which this client does not support`, true, {
      cause: error,
    });
  }
  const permanent =
    error instanceof SpawnError ||
    (isAppError(error) && error.code === "CONFIG_INVALID") ||
    (error instanceof TypeError && (error as { code?: unknown }).code === "ERR_INVALID_URL") ||
    policyRefusal(error) !== undefined;
  return new StartFailure(reason, permanent, { cause: error });
}

const isTimeout = (error: unknown) => (error instanceof DOMException && error.name === "TimeoutError") || /timed? ?out/i.test(errorMessage(error));

/** Why a start failed, in the words a person needs: the exit and the stderr line that explains it. */
function failureReason(error: unknown, transport: Transport, stderrTail: string[], stage: string, timeoutS: number): string {
  if (transport instanceof ProcessGroupTransport && transport.failure) return transport.failure;
  if (transport instanceof ProcessGroupTransport && transport.exit) {
    const { code, signal } = transport.exit;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    return `${how} before answering initialize${explained(meaningfulStderrLine(stderrTail))}`;
  }
  if (isTimeout(error)) return timeoutReason(stage, timeoutS);
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === "number" ? `the server answered HTTP ${status}: ${errorMessage(error)}` : errorMessage(error);
}

function timeoutReason(stage: string, timeoutS: number): string {
  return `did not ${stage} within ${timeoutS} s (startup_timeout)`;
}

/**
 * Starts the transport, runs initialize and lists tools, resources and prompts, all within one
 * startup_timeout (an SSE endpoint that sends its headers and then nothing is caught too). On any
 * failure, or as soon as `signal` aborts (a stop), the transport is closed (for stdio: the
 * process group is ended) and a StartFailure with a readable reason is thrown.
 */
export async function openConnection(config: ServerConfig, options: ConnectOptions): Promise<Connection> {
  const deadline = withDeadline(config.startup_timeout * 1000, options.signal);
  try {
    return await connectWithin(config, options, deadline.signal);
  } finally {
    deadline.dispose();
  }
}

async function connectWithin(config: ServerConfig, options: ConnectOptions, signal: AbortSignal): Promise<Connection> {
  const hooks = options.hooks ?? {};
  const timeoutS = config.startup_timeout;
  let transport: Transport;
  let httpPing: HttpPing | undefined;
  try {
    const secrets = options.secrets ? await untilAborted(options.secrets(), signal) : {};
    const references = { ...options.environment, ...secrets };
    const url = config.transport === "stdio" ? undefined : new URL(expandReference(config.url ?? "", "url", references));
    if (options.urlGuard && url) await untilAborted(options.urlGuard(url), signal);
    ({ transport, httpPing } = await buildTransport(config, options, references, url));
  } catch (error) {
    throw classifyStartFailure(error, isTimeout(error) ? timeoutReason("start", timeoutS) : errorMessage(error));
  }
  const stderrTail: string[] = [];
  let opened = false;
  if (transport instanceof ProcessGroupTransport) {
    transport.onstderr = (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      hooks.onStderr?.(line);
    };
    transport.onnoise = (line) => hooks.onNoise?.(line);
  }
  // A stdio server starts booting before anything else is done.
  const began = performance.now();
  const spawning = transport instanceof ProcessGroupTransport ? transport.start().then(() => transport.pid) : undefined;
  spawning?.catch(() => {});
  const sdkModule = await loadSdk();
  const { Client } = sdkModule;
  const sessionLoss = sessionLossOf(config.transport, sdkModule);
  let connection: Connection | undefined;
  // A change announced while the first lists are read is kept for the connection made from them.
  let changedWhileOpening = false;
  const listChanged = (list: "tools" | "resources" | "prompts") => {
    if (connection) connection.listsChanged = true;
    else changedWhileOpening = true;
    hooks.onListChanged?.(list);
  };
  // Sampling and elicitation are declared so that servers may ask; each request goes to the
  // caller of the request it serves, which answers or refuses it.
  const calls = new InFlightCalls(config.id);
  const client = new Client(CLIENT_INFO, {
    capabilities: { sampling: {}, elicitation: { form: {}, url: {} } },
    // Not listed by the SDK on each notification: the next health check lists everything at once.
    listChanged: {
      tools: { autoRefresh: false, onChanged: () => listChanged("tools") },
      resources: { autoRefresh: false, onChanged: () => listChanged("resources") },
      prompts: { autoRefresh: false, onChanged: () => listChanged("prompts") },
    },
  });
  for (const method of UPSTREAM_REQUEST_METHODS) {
    client.setRequestHandler(method, (request, ctx) => calls.answer({ method, params: request.params }, ctx.mcpReq.signal) as never);
  }
  client.setNotificationHandler("notifications/message", (notification) => calls.log(notification.params));
  client.setNotificationHandler("notifications/resources/updated", (notification) => hooks.onResourceUpdated?.(notification.params.uri));
  let lost = false;
  const reportLost = (reason: string, exit: ExitInfo | undefined, permanent = false, clean = false) => {
    if (!opened || lost || connection?.isClosing) return;
    lost = true;
    hooks.onLost?.(reason, { exit, permanent, clean });
  };
  client.onerror = (error) => {
    hooks.onTransportError?.(error);
    // Both remote transports report here every failed request and every failed attempt to
    // reopen their event stream; one that says the session is gone ends it, so that a new one
    // is opened.
    const loss = sessionLoss(error);
    if (loss === undefined) return;
    // A refused request fails with the refusal itself before the session is ended (ending it
    // at once would fail the request with "Connection closed" instead).
    if (loss.permanent) setImmediate(() => reportLost(loss.reason, undefined, true));
    else reportLost(loss.reason, undefined, false);
  };
  client.onclose = () => {
    const exit = transport instanceof ProcessGroupTransport ? transport.exit : undefined;
    const failure = transport instanceof ProcessGroupTransport ? transport.failure : undefined;
    const exited = exit
      ? exit.signal
        ? `killed by ${exit.signal}`
        : `exited with code ${exit.code}${explained(meaningfulStderrLine(stderrTail))}`
      : "the connection closed";
    // A server the transport ended is killed by its signal; the reason it was ended comes first.
    // Its exit is never clean, whatever its code: it did not finish its work, it was stopped.
    const clean = failure === undefined && exit !== undefined && exit.code === 0 && exit.signal === null;
    reportLost(failure ?? exited, exit, false, clean);
  };
  const timeoutMs = timeoutS * 1000;
  const requestOptions = { timeout: timeoutMs, signal };
  let spawnMs = 0;
  let stage = "start";
  try {
    if (spawning) {
      const pid = await untilAborted(spawning, signal);
      spawnMs = performance.now() - began;
      if (pid !== null) hooks.onSpawn?.(pid);
    }
    // The SDK waits for an SSE stream's endpoint event without a timeout of its own.
    stage = config.transport === "sse" ? "open its SSE stream and answer initialize" : "answer initialize";
    const initStarted = performance.now();
    await untilAborted(client.connect(transport, requestOptions), signal);
    deferResponses(transport);
    const initializeMs = performance.now() - initStarted;
    stage = "answer the tools, resources and prompts lists";
    const listStarted = performance.now();
    const lists = await untilAborted(listEverything(client, timeoutMs, signal), signal);
    const listMs = performance.now() - listStarted;
    const version = client.getServerVersion();
    const snapshot: CapabilitySnapshot = {
      server_name: version?.name ?? null,
      server_version: version?.version ?? null,
      protocol_version: client.getNegotiatedProtocolVersion() ?? null,
      capabilities: (client.getServerCapabilities() ?? {}) as Record<string, unknown>,
      instructions: client.getInstructions() ?? null,
      ...lists,
      timings: { spawn_ms: round(spawnMs), initialize_ms: round(initializeMs), list_ms: round(listMs) },
      captured_at: Date.now(),
    };
    connection = new Connection(client, transport, snapshot, config.request_timeout * 1000, calls, httpPing);
    connection.listsChanged = changedWhileOpening;
    opened = true;
    if (transport instanceof ProcessGroupTransport && transport.exit) {
      throw new Error(`exited with code ${transport.exit.code} right after initialize`);
    }
    return connection;
  } catch (error) {
    const reason = failureReason(error, transport, stderrTail, stage, timeoutS);
    opened = false;
    await client.close().catch(() => {});
    await transport.close().catch(() => {});
    throw classifyStartFailure(error, reason);
  }
}

/**
 * The SDK client hands a notification to its handler a microtask late but settles a response at
 * once, dropping the request's progress handler with it: progress a server sent just before its
 * answer, read in the same chunk, would be lost (modelcontextprotocol/typescript-sdk#2580). So a
 * response is delivered a microtask late too, after the notifications that came before it.
 */
function deferResponses(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (message, extra) => {
    if ("id" in message && !("method" in message)) queueMicrotask(() => deliver(message, extra));
    else deliver(message, extra);
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export interface CapabilityLists {
  tools: ToolSummary[];
  resources: ResourceSummary[];
  prompts: PromptSummary[];
}

const MAX_LIST_PAGES = 100;

/** Every page of tools, resources and prompts the server advertises, fresh from the server. */
export async function listEverything(client: Client, timeoutMs: number, signal?: AbortSignal): Promise<CapabilityLists> {
  const capabilities = client.getServerCapabilities() ?? {};
  const options = { timeout: timeoutMs, cacheMode: "bypass" as const, ...(signal ? { signal } : {}) };
  const tools: ToolSummary[] = [];
  const resources: ResourceSummary[] = [];
  const prompts: PromptSummary[] = [];
  const jobs: Promise<void>[] = [];
  if (capabilities.tools) {
    jobs.push(
      paginate(async (cursor) => {
        const page = await client.listTools(cursor ? { cursor } : undefined, options);
        for (const tool of page.tools) {
          tools.push({
            name: tool.name,
            title: tool.title,
            description: tool.description,
            input_schema: tool.inputSchema,
            ...(tool.outputSchema ? { output_schema: tool.outputSchema } : {}),
            ...(tool.annotations ? { annotations: tool.annotations } : {}),
          });
        }
        return page.nextCursor;
      }),
    );
  }
  if (capabilities.resources) {
    jobs.push(
      paginate(async (cursor) => {
        const page = await client.listResources(cursor ? { cursor } : undefined, options);
        for (const resource of page.resources) {
          resources.push({ uri: resource.uri, name: resource.name, description: resource.description, mime_type: resource.mimeType });
        }
        return page.nextCursor;
      }),
    );
  }
  if (capabilities.prompts) {
    jobs.push(
      paginate(async (cursor) => {
        const page = await client.listPrompts(cursor ? { cursor } : undefined, options);
        for (const prompt of page.prompts) {
          prompts.push({ name: prompt.name, description: prompt.description, arguments: prompt.arguments });
        }
        return page.nextCursor;
      }),
    );
  }
  await Promise.all(jobs);
  return { tools, resources, prompts };
}

async function paginate(fetchPage: (cursor: string | undefined) => Promise<string | undefined>): Promise<void> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    cursor = await fetchPage(cursor);
    if (!cursor) return;
  }
}
