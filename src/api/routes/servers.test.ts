// The REST routes over the real MCP manager, running the echo fixture server for real.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { parseServer } from "../../config/validate.js";
import { fixturePath } from "../../../test/helpers/processes.js";
import { assertNoStack, createTestApp, echoEntry, type TestApp } from "../test-support/test-app.js";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const base = "/api/v1/mcp/servers";

async function register(id: string, extra: Record<string, unknown> = {}) {
  const response = await t.request({ method: "POST", url: base, payload: echoEntry(id, extra) });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

function issues(body: string): { field: string; message: string }[] {
  return JSON.parse(body).error.details.issues;
}

describe("server routes", () => {
  it("lists no servers on a fresh daemon", async () => {
    const response = await t.request({ method: "GET", url: base });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ servers: [] });
  });

  it("registers a server, starts it by default, and lists it", async () => {
    const created = await register("files", { category: "fs", env: { API_KEY: "s3cret" } });
    expect(created).toMatchObject({ id: "files", name: "files", transport: "stdio", source: "api", state: "running", category: "fs" });
    expect(created.pid).toBeGreaterThan(0);
    expect(JSON.stringify(created)).not.toContain("s3cret");
    const list = await t.request({ method: "GET", url: base });
    expect(list.json().servers.map((s: { id: string }) => s.id)).toEqual(["files"]);
    const one = await t.request({ method: "GET", url: `${base}/files` });
    expect(one.statusCode).toBe(200);
    expect(one.json().config.command[0]).toBe(process.execPath);
  });

  it("leaves a server stopped when start is false, and does not pass start on as config", async () => {
    const created = await register("idle", { start: false });
    expect(created.state).toBe("stopped");
    expect(created.config.start).toBe("with_daemon");
    // A start mode, by contrast, is the entry's own field.
    const lazy = await register("lazy", { start: "on_demand" });
    expect(lazy).toMatchObject({ state: "stopped", tools_count: 2, config: { start: "on_demand" } });
  });

  it("refuses a second server with the same id with 409 SERVER_EXISTS", async () => {
    await register("dup");
    const again = await t.request({ method: "POST", url: base, payload: echoEntry("dup") });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("SERVER_EXISTS");
  });

  it("names each bad field of a server entry", async () => {
    const response = await t.request({
      method: "POST",
      url: base,
      payload: { id: "x", command: "not-an-array", health_check_interval: "soon", bogus: 1 },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe("VALIDATION_FAILED");
    const fields = issues(response.body).map((issue) => issue.field);
    expect(fields).toEqual(expect.arrayContaining(["command", "health_check_interval", "(root)"]));
    expect(issues(response.body).find((issue) => issue.field === "(root)")?.message).toContain('"bogus"');
  });

  it("names a bad start flag and a missing id", async () => {
    const badStart = await t.request({ method: "POST", url: base, payload: { ...echoEntry("s"), start: "yes" } });
    expect(badStart.statusCode).toBe(400);
    expect(issues(badStart.body)[0]).toEqual({ field: "start", message: 'must be true, false, "with_daemon" or "on_demand", not "yes"' });
    const noId = await t.request({ method: "POST", url: base, payload: { command: ["node"] } });
    expect(noId.statusCode).toBe(400);
    expect(issues(noId.body).map((issue) => issue.field)).toContain("id");
  });

  it("refuses a body that is not an object", async () => {
    const response = await t.request({ method: "POST", url: base, payload: [1, 2] });
    expect(response.statusCode).toBe(400);
    expect(issues(response.body)[0]?.field).toBe("(root)");
  });

  it("changes an API server with PATCH and validates the merged result", async () => {
    await register("p");
    const patched = await t.request({ method: "PATCH", url: `${base}/p`, payload: { description: "changed" } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().description).toBe("changed");
    const bad = await t.request({ method: "PATCH", url: `${base}/p`, payload: { auto_restart: "no" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].field).toBe("auto_restart");
    const notObject = await t.request({ method: "PATCH", url: `${base}/p`, payload: ["x"] });
    expect(notObject.statusCode).toBe(400);
  });

  it("refuses PATCH of a config-file server with 409 SERVER_CONFIG_MANAGED", async () => {
    await t.manager.applyConfig([parseServer(echoEntry("from-file", { enabled: false }))]);
    const response = await t.request({ method: "PATCH", url: `${base}/from-file`, payload: { description: "x" } });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe("SERVER_CONFIG_MANAGED");
  });

  it("deletes a server with 204 and then reports it missing", async () => {
    await register("gone");
    const deleted = await t.request({ method: "DELETE", url: `${base}/gone` });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe("");
    const after = await t.request({ method: "GET", url: `${base}/gone` });
    expect(after.statusCode).toBe(404);
  });

  it("starts, stops and restarts a server", async () => {
    await register("life", { start: false });
    const started = await t.request({ method: "POST", url: `${base}/life/start` });
    expect(started.statusCode).toBe(200);
    expect(started.json().state).toBe("running");
    const stopped = await t.request({ method: "POST", url: `${base}/life/stop` });
    expect(stopped.json().state).toBe("stopped");
    const started2 = await t.request({ method: "POST", url: `${base}/life/start` });
    const restarted = await t.request({ method: "POST", url: `${base}/life/restart` });
    expect(restarted.statusCode).toBe(200);
    expect(restarted.json().state).toBe("running");
    expect(restarted.json().pid).not.toBe(started2.json().pid);
  });

  it("accepts a bodiless POST that still says it is JSON", async () => {
    await register("hdr", { start: false });
    const response = await t.request({
      method: "POST",
      url: `${base}/hdr/start`,
      headers: { "content-type": "application/json" },
    });
    expect(response.statusCode).toBe(200);
  });

  it("serves logs and events with limits", async () => {
    await register("logged");
    await t.request({ method: "POST", url: `${base}/logged/stop` });
    await t.request({ method: "POST", url: `${base}/logged/start` });

    let lines: { stream: string; line: string }[] = [];
    for (let tries = 0; tries < 50 && !lines.some((l) => l.line.includes("echo-server ready")); tries += 1) {
      const logs = await t.request({ method: "GET", url: `${base}/logged/logs` });
      expect(logs.statusCode).toBe(200);
      expect(logs.json().server_id).toBe("logged");
      lines = logs.json().lines;
      await sleep(50);
    }
    expect(lines).toContainEqual(expect.objectContaining({ stream: "stderr", line: "echo-server ready" }));
    const one = await t.request({ method: "GET", url: `${base}/logged/logs?limit=1` });
    expect(one.json().lines).toHaveLength(1);

    const events = await t.request({ method: "GET", url: `${base}/logged/events` });
    expect(events.statusCode).toBe(200);
    expect(events.json().server_id).toBe("logged");
    const kinds = events.json().events.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(["started", "stopped"]));
    const limited = await t.request({ method: "GET", url: `${base}/logged/events?limit=1` });
    expect(limited.json().events).toHaveLength(1);
    expect(limited.json().events[0].kind).toBe(kinds[0]);
  });

  it("records how a stdio server ended in its exited events: the exit code, or the signal", async () => {
    /** The newest `exited` event, once the server has one. */
    async function exitedEvent(id: string): Promise<{ exit_code: number | null; signal: string | null }> {
      for (let tries = 0; tries < 400; tries += 1) {
        const events = await t.request({ method: "GET", url: `${base}/${id}/events` });
        const exited = events.json().events.find((event: { kind: string }) => event.kind === "exited");
        if (exited) return exited;
        await sleep(50);
      }
      throw new Error(`${id} has no exited event`);
    }
    await register("crashes", { command: [process.execPath, fixturePath("crash-after.mjs")], env: { CRASH_AFTER_MS: "300", EXIT_CODE: "3" }, restart: "never" });
    expect(await exitedEvent("crashes")).toMatchObject({ exit_code: 3, signal: null });
    const killed = await register("killed", { restart: "never" });
    process.kill(killed.pid, "SIGKILL");
    expect(await exitedEvent("killed")).toMatchObject({ exit_code: null, signal: "SIGKILL" });
  });

  it.each([
    ["0", "must be at least 1"],
    ["1001", "must be at most 1000"],
    ["abc", "must be a whole number"],
    ["-1", "must be a whole number"],
    ["1.5", "must be a whole number"],
  ])("refuses ?limit=%s naming the limit field", async (limit, message) => {
    await register("lim", { start: false });
    for (const path of ["logs", "events"]) {
      const response = await t.request({ method: "GET", url: `${base}/lim/${path}?limit=${limit}` });
      expect(response.statusCode).toBe(400);
      expect(issues(response.body)).toEqual([{ field: "limit", message }]);
    }
  });

  it("serves capabilities of a running server and 409 before it was ever initialized", async () => {
    await register("caps", { start: false });
    const before = await t.request({ method: "GET", url: `${base}/caps/capabilities` });
    expect(before.statusCode).toBe(409);
    expect(before.json().error.code).toBe("SERVER_NOT_RUNNING");
    await t.request({ method: "POST", url: `${base}/caps/start` });
    const after = await t.request({ method: "GET", url: `${base}/caps/capabilities` });
    expect(after.statusCode).toBe(200);
    expect(after.json().tools.map((tool: { name: string }) => tool.name).sort()).toEqual(["add", "echo"]);
  });

  it("calls a tool with arguments, and with none", async () => {
    await register("tools");
    const called = await t.request({ method: "POST", url: `${base}/tools/tools/echo/call`, payload: { arguments: { text: "hi" } } });
    expect(called.statusCode).toBe(200);
    expect(called.json()).toMatchObject({ is_error: false, content: [{ type: "text", text: "hi" }] });
    // No body means no arguments; the server itself then reports the missing `text`.
    const bare = await t.request({ method: "POST", url: `${base}/tools/tools/echo/call` });
    expect(bare.statusCode).toBe(200);
    expect(bare.json().is_error).toBe(true);
    const empty = await t.request({ method: "POST", url: `${base}/tools/tools/add/call`, payload: { arguments: { a: 2, b: 3 } } });
    expect(empty.json().content[0].text).toBe("5");
  });

  it("answers 409 SERVER_NOT_RUNNING for a tool call to a stopped server", async () => {
    await register("sleepy", { start: false });
    const response = await t.request({ method: "POST", url: `${base}/sleepy/tools/echo/call`, payload: { arguments: { text: "x" } } });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe("SERVER_NOT_RUNNING");
  });

  it("refuses bad tool call bodies and names, and reports unknown tools", async () => {
    await register("tc");
    const notObject = await t.request({ method: "POST", url: `${base}/tc/tools/echo/call`, payload: { arguments: [1] } });
    expect(notObject.statusCode).toBe(400);
    expect(issues(notObject.body)[0]?.field).toBe("arguments");
    const extra = await t.request({ method: "POST", url: `${base}/tc/tools/echo/call`, payload: { args: {} } });
    expect(extra.statusCode).toBe(400);
    const longName = await t.request({ method: "POST", url: `${base}/tc/tools/${"n".repeat(129)}/call` });
    expect(longName.statusCode).toBe(400);
    expect(issues(longName.body)).toEqual([{ field: "name", message: "must be at most 128 characters" }]);
    const unknown = await t.request({ method: "POST", url: `${base}/tc/tools/nope/call` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("TOOL_NOT_FOUND");
  });

  it("refuses a JSON null body on a tool call with 400 instead of calling the tool with no arguments", async () => {
    await register("nul");
    const calls: unknown[] = [];
    const off = t.bus.subscribe("tool_called", (event) => calls.push(event));
    const response = await t.request({
      method: "POST",
      url: `${base}/nul/tools/echo/call`,
      headers: { "content-type": "application/json" },
      payload: "null",
    });
    off();
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("VALIDATION_FAILED");
    expect(response.json().error.message).toMatch(/body/);
    expect(calls).toEqual([]);
  });

  it("answers a malformed tool result with 502 naming the server, the tool and what is wrong, and counts it as a failed call", async () => {
    await register("bad", { command: [process.execPath, fixturePath("malformed-results.mjs")] });
    const calls: { ok: boolean }[] = [];
    const off = t.bus.subscribe("tool_called", (event) => calls.push(event));
    const wrong: [string, RegExp][] = [
      ["deep", /nested deeper than \d+ levels/],
      ["content_not_list", /content is not a list/],
      ["text_not_string", /content\[1\]\.text is not a string/],
      ["unknown_block", /content\[0\] is of an unknown type "hologram"/],
    ];
    for (const [tool, problem] of wrong) {
      const response = await t.request({ method: "POST", url: `${base}/bad/tools/${tool}/call`, payload: { arguments: {} } });
      expect(response.statusCode, tool).toBe(502);
      expect(response.json().error.code).toBe("TOOL_RESULT_INVALID");
      expect(response.json().error.message).toContain(`server "bad" answered ${tool} with`);
      expect(response.json().error.message).toMatch(problem);
      assertNoStack(response.body);
    }
    // The daemon and the server are fine afterwards, and a well-formed answer passes.
    const fine = await t.request({ method: "POST", url: `${base}/bad/tools/fine/call`, payload: { arguments: {} } });
    off();
    expect(fine.statusCode).toBe(200);
    expect(fine.json().content).toEqual([{ type: "text", text: "fine" }]);
    expect(calls.map((call) => call.ok)).toEqual([false, false, false, false, true]);
    expect((await t.request({ method: "GET", url: `${base}/bad` })).json().state).toBe("running");
  });

  it("answers 404 SERVER_NOT_FOUND for every route of an unknown id", async () => {
    const routes: [string, string][] = [
      ["GET", ""],
      ["PATCH", ""],
      ["DELETE", ""],
      ["POST", "/start"],
      ["POST", "/stop"],
      ["POST", "/restart"],
      ["GET", "/logs"],
      ["GET", "/events"],
      ["GET", "/capabilities"],
      ["POST", "/tools/echo/call"],
    ];
    for (const [method, suffix] of routes) {
      const response = await t.request({
        method: method as "GET",
        url: `${base}/missing${suffix}`,
        ...(method === "PATCH" ? { payload: { description: "x" } } : {}),
      });
      expect(response.statusCode, `${method} ${suffix}`).toBe(404);
      expect(response.json().error.code).toBe("SERVER_NOT_FOUND");
    }
  });

  it.each([
    // A bare ".." (or "%2E%2E") is a dot segment to inject's URL parser; listening.test.ts sends it raw.
    ["a..b", "must not contain '..'"],
    ["a%2Fb", "must not contain '/' or '\\'"],
    ["a%5Cb", "must not contain '/' or '\\'"],
    ["-lead", "may contain only letters"],
    ["x".repeat(65), "must be at most 64 characters"],
    ["x".repeat(300), "must be at most 64 characters"],
  ])("answers 400 INVALID_ID naming id for %s", async (id, message) => {
    for (const suffix of ["", "/start", "/logs", "/tools/echo/call"]) {
      const method = suffix === "" || suffix === "/logs" ? "GET" : "POST";
      const response = await t.request({ method, url: `${base}/${id}${suffix}` });
      expect(response.statusCode, `${id}${suffix}`).toBe(400);
      const body = response.json();
      expect(body.error.code).toBe("INVALID_ID");
      expect(body.error.details.issues[0].field).toBe("id");
      expect(body.error.details.issues[0].message).toContain(message);
      assertNoStack(response.body);
    }
  });
});
