/**
 * The stdio transport for supervised servers. It implements the SDK's Transport interface, but
 * unlike the SDK's own stdio client it starts the server as the leader of a new process group and
 * ends the whole group, and treats a stdout line that is not JSON-RPC as noise to report rather
 * than a fatal error. A server that can no longer be understood — its stdout closed while it
 * lives on, or a message over the size cap — is ended with that reason (`failure`). A message over
 * the cap fails the requests still waiting for an answer at once, with RESPONSE_TOO_LARGE_REASON.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { JSONRPCMessage, Transport } from "@modelcontextprotocol/client";
import { signalGroup, terminateGroup } from "./process-group.js";

export interface StdioLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string | undefined;
  /** The longest single message accepted on stdout; a longer one ends the server. */
  maxMessageBytes?: number;
  /** How long a server gets after stdin closes and SIGTERM before the group is killed. */
  shutdownTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The server could not be started at all (missing command, no permission): retrying will not help. */
export class SpawnError extends Error {
  override readonly name = "SpawnError";
}

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** `data.reason` of the error answer a request gets when a message over the cap cut the stream. */
export const RESPONSE_TOO_LARGE_REASON = "response_too_large";
/** JSON-RPC's "internal error": the answer was lost on the client's side of the stream. */
const INTERNAL_ERROR = -32603;
/**
 * How long an exit may lag behind the end of stdout: a server that exits closes stdout first,
 * and its exit, not the closed stream, is the reason to report.
 */
const STDOUT_EOF_GRACE_MS = 1000;
const NOISE_PREVIEW_CHARS = 500;

/** Why a spawn failed, in words; the error codes are Node's. */
export function spawnFailureReason(error: NodeJS.ErrnoException, command: string, cwd?: string): string {
  switch (error.code) {
    case "ENOENT":
      return cwd !== undefined ? `command not found or cwd missing: ${command} (cwd ${cwd})` : `command not found: ${command}`;
    case "EACCES":
      return `permission denied running ${command}`;
    default:
      return `could not start ${command}: ${error.message}`;
  }
}

/**
 * A JSON-RPC 2.0 message, or undefined for anything else. Only the envelope is checked here; the
 * SDK's protocol layer validates the rest. (Kept free of the SDK at run time so that a server can
 * be spawned before the SDK has loaded.)
 */
export function parseJsonRpc(line: string): JSONRPCMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const message = value as { jsonrpc?: unknown; method?: unknown; id?: unknown };
  if (message.jsonrpc !== "2.0") return undefined;
  if (typeof message.method !== "string" && typeof message.id !== "string" && typeof message.id !== "number") return undefined;
  return value as JSONRPCMessage;
}

export class ProcessGroupTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: (<T extends JSONRPCMessage>(message: T) => void) | undefined;
  /** A line the server wrote on stderr. */
  onstderr?: ((line: string) => void) | undefined;
  /** A stdout line that is not a JSON-RPC message. */
  onnoise?: ((line: string) => void) | undefined;
  /** The server process (the group leader) exited. */
  onexit?: ((exit: ExitInfo) => void) | undefined;

  private child: ChildProcessWithoutNullStreams | undefined;
  private started: Promise<void> | undefined;
  private stdoutChunks: Buffer[] = [];
  private stdoutLength = 0;
  private stderrPartial = "";
  /** Ids of the requests sent and not answered yet. */
  private readonly unanswered = new Set<string | number>();
  private closed = false;
  private closing = false;
  private failureReason: string | undefined;
  private exitInfo: ExitInfo | undefined;
  private readonly exited: Promise<ExitInfo>;
  private resolveExited!: (exit: ExitInfo) => void;

  constructor(private readonly launch: StdioLaunch) {
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Why the transport ended a server that still ran but no longer spoke the protocol. */
  get failure(): string | undefined {
    return this.failureReason;
  }

  /** Spawns the server; later calls return the same promise, so the owner may start it early. */
  start(): Promise<void> {
    this.started ??= this.spawnChild();
    return this.started;
  }

  private spawnChild(): Promise<void> {
    const { command, args, env, cwd } = this.launch;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        cwd,
        env,
        detached: true,
        shell: false,
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
      });
      this.child = child;
      child.once("error", (error: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          this.closed = true;
          reject(new SpawnError(spawnFailureReason(error, command, cwd)));
          return;
        }
        this.onerror?.(error);
      });
      child.once("spawn", () => resolve());
      child.on("exit", (code, signal) => this.handleExit({ code, signal }));
      child.stdout.on("data", (chunk: Buffer) => this.readStdout(chunk));
      child.stdout.on("end", () => this.onStdoutEnd());
      child.stderr.on("data", (chunk: Buffer) => this.readStderr(chunk));
      // A server that dies mid-write makes stdin emit EPIPE; the exit handler reports it.
      child.stdin.on("error", () => {});
      child.stdout.on("error", () => {});
      child.stderr.on("error", () => {});
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.closed || !stdin.writable) return Promise.reject(new Error("the server process is not running"));
    const line = `${JSON.stringify(message)}\n`;
    if ("method" in message && "id" in message) this.unanswered.add(message.id);
    return new Promise((resolve, reject) => {
      stdin.write(line, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Closes stdin, then SIGTERM to the group, then SIGKILL after the shutdown timeout. Resolves
   * when the whole group is gone.
   */
  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (!child || child.pid === undefined) {
      this.finish();
      return;
    }
    const pgid = child.pid;
    const graceMs = this.launch.shutdownTimeoutMs ?? 5000;
    if (!this.exitInfo) {
      child.stdin.end();
      const exitedQuietly = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), Math.min(graceMs, 500)).unref()),
      ]);
      if (!exitedQuietly) signalGroup(pgid, "SIGTERM");
    }
    await terminateGroup(pgid, graceMs);
    if (!this.exitInfo) {
      child.kill("SIGKILL");
      await this.exited;
    }
    this.finish();
  }

  private handleExit(exit: ExitInfo): void {
    this.exitInfo = exit;
    this.resolveExited(exit);
    this.onexit?.(exit);
    this.flushStderr();
    // Whatever the leader left behind in its group goes with it.
    const pgid = this.child?.pid;
    if (pgid !== undefined) void terminateGroup(pgid, this.launch.shutdownTimeoutMs ?? 5000);
    this.finish();
  }

  /** Ends a server that stopped speaking the protocol; `onclose` follows once its group is gone. */
  private fail(reason: string): void {
    if (this.closing || this.closed || this.exitInfo) return;
    this.failureReason = reason;
    this.resetStdout();
    void this.close();
  }

  private onStdoutEnd(): void {
    if (this.closing || this.exitInfo) return;
    const timer = setTimeout(() => this.fail("stdout closed"), STDOUT_EOF_GRACE_MS);
    timer.unref();
    void this.exited.then(() => clearTimeout(timer));
  }

  private finish(): void {
    if (this.closed && !this.onclose) return;
    const onclose = this.onclose;
    this.closed = true;
    this.onclose = undefined;
    onclose?.();
  }

  private readStdout(chunk: Buffer): void {
    const max = this.launch.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    let start = 0;
    while (this.failureReason === undefined) {
      const newline = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      // Past the cap the framing can no longer be trusted: nothing after it is a whole message.
      if (this.stdoutLength + piece.length > max) {
        const reason = `message over ${formatBytes(max)} cap`;
        this.failUnanswered(`${RESPONSE_TOO_LARGE_REASON}: the server sent a ${reason}`);
        this.fail(reason);
        return;
      }
      if (newline === -1) {
        if (piece.length > 0) {
          this.stdoutChunks.push(Buffer.from(piece));
          this.stdoutLength += piece.length;
        }
        return;
      }
      start = newline + 1;
      this.stdoutChunks.push(piece);
      const line = Buffer.concat(this.stdoutChunks).toString("utf8");
      this.resetStdout();
      this.handleLine(line);
    }
  }

  /** Answers every request still waiting with an error: its answer may have been the message lost. */
  private failUnanswered(message: string): void {
    for (const id of this.unanswered) {
      this.onmessage?.({ jsonrpc: "2.0", id, error: { code: INTERNAL_ERROR, message, data: { reason: RESPONSE_TOO_LARGE_REASON } } });
    }
    this.unanswered.clear();
  }

  private resetStdout(): void {
    this.stdoutChunks = [];
    this.stdoutLength = 0;
  }

  private handleLine(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
    const message = parseJsonRpc(line);
    if (message === undefined) {
      this.onnoise?.(line.length > NOISE_PREVIEW_CHARS ? `${line.slice(0, NOISE_PREVIEW_CHARS)}…` : line);
      return;
    }
    if (!("method" in message) && "id" in message && message.id !== undefined) this.unanswered.delete(message.id);
    this.onmessage?.(message);
  }

  private readStderr(chunk: Buffer): void {
    const text = this.stderrPartial + chunk.toString("utf8");
    const lines = text.split("\n");
    this.stderrPartial = lines.pop() ?? "";
    if (this.stderrPartial.length > 8192) {
      lines.push(this.stderrPartial);
      this.stderrPartial = "";
    }
    for (const line of lines) if (line.trim() !== "") this.onstderr?.(line.replace(/\r$/, ""));
  }

  private flushStderr(): void {
    if (this.stderrPartial.trim() !== "") this.onstderr?.(this.stderrPartial);
    this.stderrPartial = "";
  }
}

function formatBytes(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes % mib === 0 ? `${bytes / mib} MiB` : `${bytes} bytes`;
}
