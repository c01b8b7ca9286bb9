/**
 * Agents asking each other in a real daemon: an agent whose model calls `pygent__ask_agent` puts
 * the question to another agent over the bus's request/reply; the other agent's run answers it,
 * and the asker's step shows that answer. An agent that is stopped, or busy (asking itself), refuses
 * with the reason; those requests are counted and kept as dead letters at /api/v1/bus/requests.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { api } from "./helpers/json-api.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

let dir: string;
let daemon: Daemon | undefined;

beforeEach(() => {
  dir = makeTempDir("pygent-ask-");
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  removeTempDir(dir);
});

/** The asker's model puts its task's text (the other agent's id) in a pygent__ask_agent call; the answerer's answers at once. */
async function startDaemon(): Promise<string> {
  const configPath = join(dir, "mcp_server_configs.json");
  const llm = {
    default: "answerer",
    providers: {
      asker: {
        type: "scripted",
        script: [{ say: "asking", tool_calls: [{ name: "pygent__ask_agent", arguments: { agent_id: "{{task}}", question: "What is six times seven?" } }] }],
      },
      answerer: { type: "scripted", script: [{ say: 'The answer to "{{task}}" is 42.', tool_calls: [] }] },
    },
  };
  writeFileSync(configPath, JSON.stringify({ servers: [], llm }));
  daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
  const started = await daemon.start();
  await started.settled;
  return started.url;
}


interface ToolCallJson {
  name: string;
  result: string | null;
  is_error: boolean;
  error: string | null;
}
interface RunJson {
  id: string;
  status: string;
  task: string;
  answer: string | null;
  steps: { tool_calls: ToolCallJson[] }[];
}

async function createAgent(url: string, name: string, model: string, tools: string[]): Promise<string> {
  const created = await api<{ id: string }>(url, "POST", "/api/v1/agents", { name, type: "general", settings: { model, tools, memory: { enabled: false } } });
  expect(created.status).toBe(201);
  return created.json.id;
}

async function ask(url: string, asker: string, task: string): Promise<ToolCallJson> {
  const ran = await api<RunJson>(url, "POST", `/api/v1/agents/${asker}/runs`, { task });
  expect(ran.status).toBe(200);
  expect(ran.json.status).toBe("completed");
  return ran.json.steps[0]!.tool_calls[0]!;
}

describe("agents asking each other over the bus", { timeout: 60_000 }, () => {
  it("answers a question with the other agent's run, and refuses when that agent is stopped or busy, keeping dead letters", async () => {
    const url = await startDaemon();
    const answerer = await createAgent(url, "oracle", "answerer", []);
    const asker = await createAgent(url, "curious", "asker", ["pygent__ask_agent"]);

    const answered = await ask(url, asker, answerer);
    expect(answered.error).toBeNull();
    expect(answered.is_error).toBe(false);
    const reply = JSON.parse(answered.result!) as { agent_id: string; run_id: string; status: string; answer: string };
    expect(reply).toMatchObject({ agent_id: answerer, status: "completed", answer: 'The answer to "What is six times seven?" is 42.' });
    const theirs = await api<{ runs: { id: string; task: string }[] }>(url, "GET", `/api/v1/agents/${answerer}/runs`);
    expect(theirs.json.runs).toEqual([expect.objectContaining({ id: reply.run_id, task: "What is six times seven?" })]);

    // Asking itself: the asker is in its own run, so it is busy and refuses.
    const busy = await ask(url, asker, asker);
    expect(busy.is_error).toBe(true);
    expect(busy.result).toMatch(/BUS_RESPONDER_FAILED: .*running/);

    expect((await api(url, "POST", `/api/v1/agents/${answerer}/stop`)).status).toBe(200);
    const stopped = await ask(url, asker, answerer);
    expect(stopped.is_error).toBe(true);
    expect(stopped.result).toMatch(/BUS_RESPONDER_FAILED: .*stopped/);

    const nobody = await ask(url, asker, "no-such-agent");
    expect(nobody.result).toMatch(/BUS_NO_RESPONDER: nobody answers "agent\.no-such-agent\.ask"/);

    const bus = await api<{ metrics: Record<string, number>; subjects: string[]; dead_letters: { subject: string; from: string; reason: string; detail: string }[] }>(
      url,
      "GET",
      "/api/v1/bus/requests",
    );
    expect(bus.status).toBe(200);
    expect(bus.json.metrics).toMatchObject({ requests: 4, replies: 1, responder_failures: 2, no_responder: 1, in_flight: 0, dead_letters: 3 });
    expect(bus.json.subjects).toEqual([`agent.${answerer}.ask`, `agent.${asker}.ask`].sort());
    expect(bus.json.dead_letters.map((letter) => [letter.subject, letter.from, letter.reason])).toEqual([
      [`agent.${asker}.ask`, `agent:${asker}`, "responder_failed"],
      [`agent.${answerer}.ask`, `agent:${asker}`, "responder_failed"],
      ["agent.no-such-agent.ask", `agent:${asker}`, "no_responder"],
    ]);

    // A deleted agent no longer answers.
    expect((await api(url, "DELETE", `/api/v1/agents/${answerer}`)).status).toBe(204);
    expect((await api<{ subjects: string[] }>(url, "GET", "/api/v1/bus/requests")).json.subjects).toEqual([`agent.${asker}.ask`]);
  });
});
