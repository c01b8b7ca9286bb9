/**
 * A request's log lines, written through the logger Fastify gives each request (made only when the
 * request logs): they carry the request's id and the API's bindings, and the level set for the app.
 */
import { Writable } from "node:stream";
import { afterEach, expect, it } from "vitest";
import { createLogger } from "../core/logger.js";
import { createTestApp, echoEntry, type TestApp } from "./test-support/test-app.js";

let t: TestApp | undefined;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function appLoggingAt(level: string): Promise<{ app: TestApp; lines: () => Record<string, unknown>[] }> {
  const logged: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(chunk.toString());
      done();
    },
  });
  t = await createTestApp({ logger: createLogger({ level, destination, format: "json" }) });
  const lines = () => logged.join("").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { app: t, lines };
}

it("writes a failed request's error with that request's id and the API's bindings", async () => {
  const { app, lines } = await appLoggingAt("warn");
  expect((await app.request({ method: "POST", url: "/api/v1/mcp/servers", payload: echoEntry("quiet", { start: false }) })).statusCode).toBe(201);
  expect(lines()).toEqual([]);
  app.store.close(); // the next store call throws from the driver
  expect((await app.request({ method: "GET", url: "/api/v1/mcp/servers/quiet/events" })).statusCode).toBe(500);
  const failed = lines().filter((line) => line.msg === "request failed");
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ level: 50, module: "api", name: "pygent", reqId: expect.any(String) });
});

it("at debug, writes each request's lines under its own id", async () => {
  const { app, lines } = await appLoggingAt("debug");
  await app.request({ method: "GET", url: "/api/v1/health" });
  await app.request({ method: "GET", url: "/api/v1/health" });
  const requestLines = lines().filter((line) => line.msg === "incoming request" || line.msg === "request completed");
  expect(requestLines).toHaveLength(4);
  const ids = requestLines.map((line) => line.reqId);
  expect(ids[0]).toBe(ids[1]);
  expect(ids[2]).toBe(ids[3]);
  expect(ids[0]).not.toBe(ids[2]);
});
