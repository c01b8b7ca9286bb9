// Host and Origin checks: the pure rule, then over HTTP on the real app.
import { afterEach, describe, expect, it } from "vitest";
import { allowedHostValues, hostAllowed, originAllowed, type HostPolicy } from "./host-origin-guard.js";
import { createTestApp, TEST_HOST, TEST_PORT, type TestApp } from "./test-support/test-app.js";

const policy: HostPolicy = { bindHost: "127.0.0.1", allowedHosts: [], allowedOrigins: [] };

describe("host rule", () => {
  it("accepts the loopback names and the bind host on the port", () => {
    for (const host of ["127.0.0.1:4000", "localhost:4000", "LOCALHOST:4000", "[::1]:4000"]) {
      expect(hostAllowed(host, allowedHostValues(policy, 4000)), host).toBe(true);
    }
  });

  it("refuses other names, other ports, a bare name off port 80, and no Host at all", () => {
    for (const host of ["evil.example:4000", "127.0.0.1:4001", "localhost", "127.0.0.1.nip.io:4000", ""]) {
      expect(hostAllowed(host, allowedHostValues(policy, 4000)), host).toBe(false);
    }
    expect(hostAllowed(undefined, allowedHostValues(policy, 4000))).toBe(false);
  });

  it("accepts a name without its port on port 80", () => {
    expect(hostAllowed("localhost", allowedHostValues(policy, 80))).toBe(true);
    expect(hostAllowed("localhost:80", allowedHostValues(policy, 80))).toBe(true);
  });

  it("accepts an IPv6 bind host in brackets and extra allowed hosts", () => {
    const v6 = { ...policy, bindHost: "::", allowedHosts: ["pygent.lan", "proxy.example:443"] };
    expect(allowedHostValues(v6, 4000)).toContain("[::]:4000");
    expect(hostAllowed("pygent.lan:4000", allowedHostValues(v6, 4000))).toBe(true);
    expect(hostAllowed("proxy.example:443", allowedHostValues(v6, 4000))).toBe(true);
    expect(hostAllowed("proxy.example:4000", allowedHostValues(v6, 4000))).toBe(false);
  });
});

describe("origin rule", () => {
  it("accepts the daemon's own http origin and listed origins", () => {
    expect(originAllowed("http://localhost:4000", policy, allowedHostValues(policy, 4000))).toBe(true);
    expect(originAllowed("http://127.0.0.1:4000", policy, allowedHostValues(policy, 4000))).toBe(true);
    const listed = { ...policy, allowedOrigins: ["https://dash.example/"] };
    expect(originAllowed("https://dash.example", listed, allowedHostValues(listed, 4000))).toBe(true);
  });

  it("refuses other sites, other schemes and ports, and the null origin", () => {
    for (const origin of ["http://evil.example", "https://localhost:4000", "http://localhost:4001", "null", "garbage"]) {
      expect(originAllowed(origin, policy, allowedHostValues(policy, 4000)), origin).toBe(false);
    }
  });
});

describe("host and origin over HTTP", () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("refuses a foreign Host header with 403 HOST_NOT_ALLOWED on every route", async () => {
    t = await createTestApp();
    for (const url of ["/api/v1/health", "/docs", "/nope"]) {
      const response = await t.request({ method: "GET", url, headers: { host: `attacker.example:${TEST_PORT}` } });
      expect(response.statusCode, url).toBe(403);
      expect(response.json().error.code).toBe("HOST_NOT_ALLOWED");
    }
  });

  it("refuses the default inject Host (wrong port) like any other", async () => {
    t = await createTestApp();
    const response = await t.app.inject({ method: "GET", url: "/api/v1/health" });
    expect(response.statusCode).toBe(403);
  });

  it("refuses a foreign Origin with 403 ORIGIN_NOT_ALLOWED and accepts its own and listed ones", async () => {
    t = await createTestApp({ allowedOrigins: ["http://dash.example:5173"] });
    const evil = await t.request({ method: "GET", url: "/api/v1/health", headers: { origin: "http://evil.example" } });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error.code).toBe("ORIGIN_NOT_ALLOWED");
    const post = await t.request({
      method: "POST",
      url: "/api/v1/mcp/servers",
      headers: { origin: "http://evil.example" },
      payload: { id: "x", command: ["x"] },
    });
    expect(post.statusCode).toBe(403);
    expect((await t.manager.list()).length).toBe(0);
    for (const origin of [`http://127.0.0.1:${TEST_PORT}`, `http://localhost:${TEST_PORT}`, "http://dash.example:5173"]) {
      const ok = await t.request({ method: "GET", url: "/api/v1/health", headers: { origin } });
      expect(ok.statusCode, origin).toBe(200);
    }
  });

  it("takes the port the server listens on once it listens, after answering injected requests on the bind port", async () => {
    t = await createTestApp();
    expect((await t.request({ method: "GET", url: "/api/v1/health" })).statusCode).toBe(200);
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    const address = t.app.server.address();
    const port = address !== null && typeof address === "object" ? address.port : 0;
    for (const [host, status] of [[`127.0.0.1:${port}`, 200], [`127.0.0.1:${port}`, 200], [TEST_HOST, 403]] as const) {
      const response = await t.app.inject({ method: "GET", url: "/api/v1/health", headers: { host } });
      expect(response.statusCode, host).toBe(status);
    }
  });

  it("accepts extra hosts given at build time", async () => {
    t = await createTestApp({ allowedHosts: ["pygent.lan"] });
    const response = await t.request({ method: "GET", url: "/api/v1/health", headers: { host: `pygent.lan:${TEST_PORT}` } });
    expect(response.statusCode).toBe(200);
  });
});
