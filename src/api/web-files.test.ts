import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../core/logger.js";
import { createTestApp } from "./test-support/test-app.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder laid out as Vite builds the dashboard (`<temp>/dist`), beside a file it must not give out. */
function builtDashboard(): string {
  const parent = mkdtempSync(join(tmpdir(), "pygent-web-"));
  dirs.push(parent);
  writeFileSync(join(parent, "secret.txt"), "classified-42");
  const root = join(parent, "dist");
  mkdirSync(join(root, "assets"), { recursive: true });
  writeFileSync(join(root, "index.html"), "<!doctype html><title>PyGent Factory</title>");
  writeFileSync(join(root, "assets", "index-AbC123.js"), "console.log('dashboard')");
  writeFileSync(join(root, "favicon.svg"), "<svg/>");
  return root;
}

describe("the dashboard's files", () => {
  it("serves index.html at / for revalidation and hashed assets as immutable, gzipped when asked", async () => {
    const { request } = await createTestApp({ webRoot: builtDashboard() });
    const index = await request({ method: "GET", url: "/" });
    expect(index.statusCode).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.body).toContain("PyGent Factory");

    const again = await request({ method: "GET", url: "/", headers: { "if-none-match": String(index.headers.etag) } });
    expect(again.statusCode).toBe(304);

    const script = await request({ method: "GET", url: "/assets/index-AbC123.js" });
    expect(script.statusCode).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");

    const zipped = await request({ method: "GET", url: "/assets/index-AbC123.js", headers: { "accept-encoding": "gzip, br" } });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("accept-encoding");
    expect(gunzipSync(zipped.rawPayload).toString()).toBe("console.log('dashboard')");
    expect(script.headers["content-encoding"]).toBeUndefined();

    const icon = await request({ method: "GET", url: "/favicon.svg" });
    expect(icon.headers["content-type"]).toBe("image/svg+xml");
    expect(icon.headers["cache-control"]).toBe("no-cache");
  });

  it("answers a page path with index.html, but never shadows the API's paths", async () => {
    const logged: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    const { request } = await createTestApp({ webRoot: builtDashboard(), logger: createLogger({ level: "warn", destination, format: "json" }) });
    const page = await request({ method: "GET", url: "/servers?filter=x" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("PyGent Factory");
    expect((await request({ method: "GET", url: "/assets/index-AbC123.js" })).statusCode).toBe(200);
    // Answered once: nothing tries to answer again after the file went out.
    expect(logged).toEqual([]);

    for (const url of ["/api/v1/nope", "/api", "/ws/x", "/docs/nope", "/metrics/x", "/mcp", "/assets/missing.js", "/missing.js"]) {
      const response = await request({ method: "GET", url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toMatchObject({ error: { code: "NOT_FOUND" } });
    }
    const post = await request({ method: "POST", url: "/servers" });
    expect(post.statusCode).toBe(404);
    expect((await request({ method: "GET", url: "/api/v1/health" })).statusCode).toBe(200);
  });

  it("keeps requests inside the build folder", async () => {
    const { request } = await createTestApp({ webRoot: builtDashboard() });
    for (const url of ["/assets/..%2fsecret.txt", "/assets/../../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/assets/%00", "/%E0%A4%A"]) {
      const response = await request({ method: "GET", url });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.body, url).not.toContain("classified-42");
    }
  });

  it("says how to build the dashboard when there is no build", async () => {
    const { request } = await createTestApp({ webRoot: join(builtDashboard(), "absent") });
    const response = await request({ method: "GET", url: "/" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.body).toContain("npm run build:web");
  });
});
