// Proves each fixture in test/fixtures/ misbehaves exactly as the suite relies on. Protocol-level
// checks use the SDK client; checks on exit codes, signals, raw stdout bytes and process groups
// drive the fixture over a hand-rolled JSON-RPC line session instead.
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterEach, describe, expect, it } from "vitest";
import {
  fixturePath,
  isAlive,
  makeTempDir,
  pidsInProcessGroup,
  readPidFile,
  removeTempDir,
  waitFor,
  waitForExit,
} from "./helpers/processes.js";

const TEST_TIMEOUT_MS = 15_000;

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function killQuietly(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function tempDir(): string {
  const dir = makeTempDir("pygent-fixtures-");
  cleanups.push(() => removeTempDir(dir));
  return dir;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface JsonRpcMessage {
  jsonrpc: "2.0";
  id?: number;
  method?: string;
  result?: unknown;
  error?: { code: number; message: string };
}

/** A fixture spoken to line by line, keeping every stdout line it wrote. */
interface RawServer {
  child: ChildProcessWithoutNullStreams;
  exit: Promise<Exit>;
  /** Byte length (without "\n") of every complete stdout line, in order. */
  lineLengths: number[];
  /** Stdout lines that were not JSON, truncated to 200 characters. */
  garbage: string[];
  stderr: () => string;
  request(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  notify(method: string, params?: Record<string, unknown>): void;
  initialize(timeoutMs?: number): Promise<unknown>;
}

/**
 * Spawns a fixture with piped stdio. `detached` puts it in its own process group (pgid = pid),
 * so the group can be inspected and killed without touching the test runner's group.
 */
function startRaw(fixture: string, env: Record<string, string> = {}, { detached = false } = {}): RawServer {
  const child = spawn(process.execPath, [fixturePath(fixture)], {
    env: { ...process.env, ...env },
    stdio: "pipe",
    detached,
  });
  const exit = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (detached && child.pid !== undefined) killQuietly(-child.pid);
    else child.kill("SIGKILL");
    await exit;
  });

  const lineLengths: number[] = [];
  const garbage: string[] = [];
  const waiters = new Map<number, (message: JsonRpcMessage) => void>();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });

  const onLine = (line: Buffer): void => {
    lineLengths.push(line.length);
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(line.toString("utf8")) as JsonRpcMessage;
    } catch {
      garbage.push(line.subarray(0, 200).toString("utf8"));
      return;
    }
    if (message.id !== undefined && message.method === undefined) waiters.get(message.id)?.(message);
  };
  // Chunks are joined only at a newline so a 20 MiB line costs one copy, not one per chunk.
  let partial: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      partial.push(chunk.subarray(start, newline));
      onLine(Buffer.concat(partial));
      partial = [];
      start = newline + 1;
    }
    if (start < chunk.length) partial.push(chunk.subarray(start));
  });

  let nextId = 1;
  const write = (message: Record<string, unknown>): void => {
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
  };
  const request = (method: string, params?: Record<string, unknown>, timeoutMs = 5000): Promise<unknown> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(id);
        reject(new Error(`${fixture}: no answer to ${method} within ${timeoutMs}ms`));
      }, timeoutMs);
      waiters.set(id, (message) => {
        clearTimeout(timer);
        waiters.delete(id);
        if (message.error) reject(new Error(`${fixture}: ${method} failed: ${message.error.message}`));
        else resolve(message.result);
      });
      write({ id, method, ...(params ? { params } : {}) });
    });
  };
  const notify = (method: string, params?: Record<string, unknown>): void => {
    write({ method, ...(params ? { params } : {}) });
  };
  const initialize = async (timeoutMs?: number): Promise<unknown> => {
    const result = await request(
      "initialize",
      { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "fixtures-test", version: "0.0.0" } },
      timeoutMs,
    );
    notify("notifications/initialized");
    return result;
  };

  return { child, exit, lineLengths, garbage, stderr: () => stderr, request, notify, initialize };
}

async function rawEcho(server: RawServer, text: string): Promise<string> {
  const result = (await server.request("tools/call", { name: "echo", arguments: { text } })) as {
    content: Array<{ type: string; text?: string }>;
  };
  return result.content.map((block) => block.text ?? "").join("");
}

/** A fixture that misbehaves from its first ping on, shown to serve normally before it. */
async function servingUntilPing(fixture: string): Promise<RawServer> {
  const server = startRaw(fixture);
  await server.initialize();
  expect(await rawEcho(server, "before")).toBe("before");
  return server;
}

interface SdkSession {
  client: Client;
  transport: StdioClientTransport;
  pid: number;
  stderr: () => string;
}

/** Connects the SDK client to a fixture; stderr is captured, and cleanup kills then closes. */
async function connectSdk(fixture: string, env: Record<string, string> = {}): Promise<SdkSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [fixturePath(fixture)],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "fixtures-test", version: "0.0.0" });
  let pid: number | null = null;
  cleanups.push(async () => {
    // Killing first keeps close() from waiting out its stdin/SIGTERM grace periods.
    if (pid !== null) killQuietly(pid);
    await client.close();
    if (pid !== null) await waitForExit(pid);
  });
  await client.connect(transport);
  pid = transport.pid;
  if (pid === null) throw new Error(`${fixture}: transport has no pid after connect`);
  return { client, transport, pid, stderr: () => stderr };
}

function textOf(result: { content?: unknown }): string {
  const blocks = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return blocks.map((block) => block.text ?? "").join("");
}

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

describe("test fixtures", () => {
  it(
    "echo-server serves tools, a resource and a prompt, reports SERVER_NAME and logs readiness",
    async () => {
      const { client, stderr } = await connectSdk("echo-server.mjs", { SERVER_NAME: "named-by-env" });

      expect(client.getServerVersion()?.name).toBe("named-by-env");
      await waitFor(() => stderr().includes("echo-server ready"), { message: "ready line on stderr" });

      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(["add", "echo"]);
      expect(textOf(await client.callTool({ name: "echo", arguments: { text: "hi there" } }))).toBe("hi there");
      expect(textOf(await client.callTool({ name: "add", arguments: { a: 2, b: 40 } }))).toBe("42");

      const { resources } = await client.listResources();
      expect(resources.map((resource) => resource.uri)).toEqual(["echo://info"]);
      const { contents } = await client.readResource({ uri: "echo://info" });
      expect(contents[0]).toMatchObject({ uri: "echo://info", text: "echo fixture resource" });

      const { prompts } = await client.listPrompts();
      expect(prompts.map((prompt) => prompt.name)).toEqual(["greet"]);
      const prompt = await client.getPrompt({ name: "greet", arguments: { name: "Ada" } });
      expect(prompt.messages[0]?.content).toMatchObject({ type: "text", text: "Hello, Ada!" });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "echo-server re-reads TOOL_DESCRIPTION_FILE at every tools/list",
    async () => {
      const descriptionFile = join(tempDir(), "description.txt");
      writeFileSync(descriptionFile, "first description\n");
      const { client } = await connectSdk("echo-server.mjs", { TOOL_DESCRIPTION_FILE: descriptionFile });
      const echoDescription = async (): Promise<string | undefined> =>
        (await client.listTools(undefined, { cacheMode: "bypass" })).tools.find((tool) => tool.name === "echo")
          ?.description;

      expect(await echoDescription()).toBe("first description");
      writeFileSync(descriptionFile, "drifted description\n");
      expect(await echoDescription()).toBe("drifted description");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "exits-immediately writes to stderr and exits with EXIT_CODE (default 3) before any protocol",
    async () => {
      const withDefault = startRaw("exits-immediately.mjs");
      expect(await withDefault.exit).toEqual({ code: 3, signal: null });

      const withCode = startRaw("exits-immediately.mjs", { EXIT_CODE: "7" });
      expect(await withCode.exit).toEqual({ code: 7, signal: null });
      expect(withCode.stderr()).toContain("exits-immediately");
      expect(withCode.lineLengths).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "crash-after serves echo, then exits with code 1 after CRASH_AFTER_MS",
    async () => {
      const started = performance.now();
      const server = startRaw("crash-after.mjs", { CRASH_AFTER_MS: "800" });
      await server.initialize();
      expect(await rawEcho(server, "still up")).toBe("still up");

      expect(await server.exit).toEqual({ code: 1, signal: null });
      expect(performance.now() - started).toBeGreaterThanOrEqual(750);
      expect(server.stderr()).toContain("exiting with code 1 after 800 ms");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "hangs-on-initialize never answers, survives stdin closing, and dies on SIGTERM",
    async () => {
      const server = startRaw("hangs-on-initialize.mjs");
      await expect(server.initialize(1500)).rejects.toThrow(/no answer to initialize/);
      expect(server.lineLengths).toEqual([]);

      server.child.stdin.end();
      await sleep(300);
      expect(server.child.exitCode).toBeNull();

      server.child.kill("SIGTERM");
      expect(await server.exit).toEqual({ code: null, signal: "SIGTERM" });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "garbage-stdout interleaves whole non-JSON lines with a working protocol",
    async () => {
      const server = startRaw("garbage-stdout.mjs", { GARBAGE_EVERY_MS: "20" });
      await server.initialize();
      for (let i = 0; i < 10; i++) {
        expect(await rawEcho(server, `call ${i}`)).toBe(`call ${i}`);
        await sleep(20);
      }
      await waitFor(() => server.garbage.length >= 5, { message: "several garbage lines" });

      expect(server.garbage[0]).toContain("banner");
      // Every garbage line is whole: none carries a fragment of a protocol message.
      for (const line of server.garbage) expect(line).toMatch(/^(\*\*\* garbage-stdout banner|garbage line \d+ \{not json$)/);

      // The SDK client copes with it too, which is what a supervisor built on it relies on.
      const { client } = await connectSdk("garbage-stdout.mjs", { GARBAGE_EVERY_MS: "5" });
      expect(textOf(await client.callTool({ name: "echo", arguments: { text: "through noise" } }))).toBe(
        "through noise",
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "slow-server delays every response by RESPONSE_DELAY_MS, or by DELAY_FILE read per message",
    async () => {
      const fixed = await connectSdk("slow-server.mjs", { RESPONSE_DELAY_MS: "300" });
      expect(await timed(() => fixed.client.ping())).toBeGreaterThanOrEqual(290);
      expect(await timed(() => fixed.client.listTools())).toBeGreaterThanOrEqual(290);

      const delayFile = join(tempDir(), "delay-ms");
      writeFileSync(delayFile, "0");
      const tunable = await connectSdk("slow-server.mjs", { DELAY_FILE: delayFile, RESPONSE_DELAY_MS: "5000" });
      expect(await timed(() => tunable.client.ping())).toBeLessThan(250);
      writeFileSync(delayFile, "400");
      expect(await timed(() => tunable.client.ping())).toBeGreaterThanOrEqual(390);
      writeFileSync(delayFile, "0");
      expect(await timed(() => tunable.client.ping())).toBeLessThan(250);

      let text = "";
      const sleptMs = await timed(async () => {
        text = textOf(await tunable.client.callTool({ name: "sleep", arguments: { ms: 300 } }));
      });
      expect(text).toBe("slept 300 ms");
      expect(sleptMs).toBeGreaterThanOrEqual(290);
    },
    TEST_TIMEOUT_MS,
  );

  describe("spawns-grandchild", () => {
    async function startWithGrandchild(env: Record<string, string>): Promise<{ server: RawServer; grandchild: number }> {
      const pidFile = join(tempDir(), "grandchild.pid");
      const server = startRaw("spawns-grandchild.mjs", { GRANDCHILD_PID_FILE: pidFile, ...env }, { detached: true });
      const grandchild = await waitFor(() => readPidFile(pidFile), { message: "grandchild pid file" });
      cleanups.push(async () => {
        killQuietly(grandchild);
        await waitForExit(grandchild);
      });
      return { server, grandchild };
    }

    it(
      "puts a live grandchild in the server's process group and still serves echo",
      async () => {
        const { server, grandchild } = await startWithGrandchild({});
        const pgid = server.child.pid ?? 0;
        expect(isAlive(grandchild)).toBe(true);
        expect(pidsInProcessGroup(pgid).sort()).toEqual([pgid, grandchild].sort());

        await server.initialize();
        expect(await rawEcho(server, "family")).toBe("family");

        // The grandchild outlives its parent; only signalling the group takes both.
        server.child.kill("SIGKILL");
        await server.exit;
        await sleep(200);
        expect(isAlive(grandchild)).toBe(true);
        process.kill(-pgid, "SIGTERM");
        await waitFor(() => pidsInProcessGroup(pgid).length === 0, { message: "process group to empty" });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "with GRANDCHILD_IGNORES_SIGTERM=1 the grandchild survives SIGTERM to the group, not SIGKILL",
      async () => {
        const { server, grandchild } = await startWithGrandchild({ GRANDCHILD_IGNORES_SIGTERM: "1" });
        const pgid = server.child.pid ?? 0;
        await server.initialize();

        process.kill(-pgid, "SIGTERM");
        expect(await server.exit).toEqual({ code: null, signal: "SIGTERM" });
        await sleep(300);
        expect(isAlive(grandchild)).toBe(true);
        expect(pidsInProcessGroup(pgid)).toEqual([grandchild]);

        process.kill(-pgid, "SIGKILL");
        await waitForExit(grandchild);
        expect(pidsInProcessGroup(pgid)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );
  });

  it(
    "huge-line answers initialize, then writes one line of HUGE_BYTES bytes (default 20 MiB)",
    async () => {
      const server = startRaw("huge-line.mjs");
      await server.initialize();
      const hugeBytes = 20 * 1024 * 1024;
      await waitFor(() => server.lineLengths.some((length) => length === hugeBytes - 1), {
        timeoutMs: 10_000,
        message: "the 20 MiB line",
      });
      expect(server.lineLengths).toHaveLength(2);

      const small = startRaw("huge-line.mjs", { HUGE_BYTES: "100000" });
      await small.initialize();
      await waitFor(() => small.lineLengths[1] === 100_000 - 1, { message: "the 100000-byte line" });
      expect(await rawEcho(small, "after the flood")).toBe("after the flood");

      // HUGE_LINE_AT=call: nothing by itself; its tool `huge` answers with a text of HUGE_BYTES characters.
      const onCall = startRaw("huge-line.mjs", { HUGE_BYTES: "100000", HUGE_LINE_AT: "call" });
      await onCall.initialize();
      expect(await rawEcho(onCall, "before the call")).toBe("before the call");
      expect(onCall.lineLengths.every((length) => length < 100_000)).toBe(true);
      const answer = (await onCall.request("tools/call", { name: "huge", arguments: {} })) as { content: Array<{ text: string }> };
      expect(answer.content[0]!.text).toHaveLength(100_000);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "blocks-on-ping serves until the first ping, then answers nothing and stays alive",
    async () => {
      const server = await servingUntilPing("blocks-on-ping.mjs");
      await expect(server.request("ping", undefined, 1000)).rejects.toThrow(/no answer to ping/);
      await expect(server.request("tools/list", undefined, 1000)).rejects.toThrow(/no answer to tools\/list/);
      expect(isAlive(server.child.pid!)).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "closes-stdout serves until the first ping, then ends its stdout and stays alive",
    async () => {
      const server = await servingUntilPing("closes-stdout.mjs");
      const ended = new Promise((resolve) => server.child.stdout.once("end", resolve));
      server.request("ping", undefined, 60_000).catch(() => undefined);
      await ended;
      expect(server.child.exitCode).toBeNull();
      expect(isAlive(server.child.pid!)).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "floods-stdout serves until the first ping, then writes past 16 MiB without a newline",
    async () => {
      const server = await servingUntilPing("floods-stdout.mjs");
      const linesBefore = server.lineLengths.length;
      let flooded = 0;
      server.child.stdout.on("data", (chunk: Buffer) => (flooded += chunk.length));
      server.request("ping", undefined, 60_000).catch(() => undefined);
      await waitFor(() => flooded > 17 * 1024 * 1024, { timeoutMs: 10_000, message: "17 MiB of flood" });
      expect(server.lineLengths).toHaveLength(linesBefore);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "ignores-sigterm keeps serving through SIGTERM and closed stdin; only SIGKILL ends it",
    async () => {
      const server = startRaw("ignores-sigterm.mjs");
      await server.initialize();
      expect(await rawEcho(server, "before")).toBe("before");

      server.child.kill("SIGTERM");
      await waitFor(() => server.stderr().includes("ignoring SIGTERM"), { message: "SIGTERM acknowledgement" });
      expect(await rawEcho(server, "after SIGTERM")).toBe("after SIGTERM");

      server.child.stdin.end();
      await sleep(300);
      expect(server.child.exitCode).toBeNull();

      server.child.kill("SIGKILL");
      expect(await server.exit).toEqual({ code: null, signal: "SIGKILL" });
    },
    TEST_TIMEOUT_MS,
  );
});
