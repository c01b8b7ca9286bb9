/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, server mode) against
 * the conformance fixture on its own endpoint, which must pass every active scenario, and against
 * the gateway with that fixture behind it (its `conformance` profile, which serves the fixture
 * under its own names), judged against the recorded baseline of scenarios that fail there and why
 * (test/fixtures/conformance-expected-failures.yml).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../src/api/test-support/test-app.js";
import { GatewayProfileSchema } from "../src/config/gateway-profiles-schema.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { CONFORMANCE_EXPECTED_FAILURES, runConformance } from "./helpers/outside-clients.js";
import { fixturePath, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let app: TestApp | undefined;
let fixture: ChildProcess | undefined;

beforeEach(() => {
  dir = makeTempDir("pygent-conformance-");
});

afterEach(async () => {
  if (fixture && fixture.exitCode === null && fixture.signalCode === null) {
    const exited = once(fixture, "exit");
    fixture.kill("SIGKILL");
    await exited;
  }
  fixture = undefined;
  await app?.close();
  app = undefined;
  removeTempDir(dir);
});

/** The fixture over Streamable HTTP on its own port; resolves with its /mcp URL. */
async function fixtureEndpoint(): Promise<string> {
  const child = spawn(process.execPath, [fixturePath("conformance-server.mjs")], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "ignore", "pipe"] });
  fixture = child;
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await waitFor(() => /listening on port (\d+)/.exec(stderr)?.[1], { timeoutMs: 20_000, message: "the conformance fixture to listen" });
  return `http://127.0.0.1:${port}/mcp`;
}

/** The gateway with the fixture running behind it over stdio; resolves with the URL of its `conformance` profile (bare names). */
async function gatewayEndpoint(): Promise<string> {
  app = await createTestApp({ gateway: { profiles: { conformance: GatewayProfileSchema.parse({ servers: ["conformance"], prefix: false }) } } });
  const { id, ...entry } = fixtureServer("conformance", "conformance-server.mjs");
  await app.manager.registerServer(id as string, entry);
  const started = app;
  await waitFor(() => started.manager.get("conformance").state === "running", { timeoutMs: 30_000, message: "the conformance fixture running" });
  await started.app.listen({ host: "127.0.0.1", port: 0 });
  const address = started.app.server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/mcp/p/conformance`;
}

describe("the MCP conformance suite", { timeout: 180_000 }, () => {
  it("passes every active scenario against the conformance fixture's own endpoint", async () => {
    const run = await runConformance(await fixtureEndpoint(), join(dir, "results"));
    expect(run.failed, run.output).toBe(0);
    expect(run.code, run.output).toBe(0);
    expect(run.passed).toBeGreaterThanOrEqual(40);
  });

  it("through the gateway, fails only the scenarios of the recorded baseline", async () => {
    const run = await runConformance(await gatewayEndpoint(), join(dir, "results"), CONFORMANCE_EXPECTED_FAILURES);
    expect(run.output).toContain("Baseline check passed");
    expect(run.code, run.output).toBe(0);
    expect(run.failed, run.output).toBe(0);
    expect(run.passed).toBe(39);
  });
});
