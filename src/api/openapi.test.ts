// The OpenAPI document and the docs page, generated from the routes' zod schemas.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./test-support/test-app.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ gateway: {} });
});
afterAll(async () => {
  await t.close();
});

interface OpenApiDoc {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, any>>;
}

async function document(): Promise<OpenApiDoc> {
  const response = await t.request({ method: "GET", url: "/docs/json" });
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe("OpenAPI document", () => {
  it("lists every route of the contract", async () => {
    const doc = await document();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.version).toBe("0.0.0-test");
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        "GET /api/v1/mcp/servers",
        "POST /api/v1/mcp/servers",
        "GET /api/v1/mcp/servers/{id}",
        "PATCH /api/v1/mcp/servers/{id}",
        "DELETE /api/v1/mcp/servers/{id}",
        "POST /api/v1/mcp/servers/{id}/start",
        "POST /api/v1/mcp/servers/{id}/stop",
        "POST /api/v1/mcp/servers/{id}/restart",
        "GET /api/v1/mcp/servers/{id}/logs",
        "GET /api/v1/mcp/servers/{id}/events",
        "GET /api/v1/mcp/servers/{id}/capabilities",
        "POST /api/v1/mcp/servers/{id}/tools/{name}/call",
        "GET /api/v1/health",
        "GET /api/v1/gateway",
        "POST /mcp/p/{profile}",
        "POST /mcp",
        "GET /mcp",
        "DELETE /mcp",
      ]),
    );
    expect(operations.some((operation) => operation.includes("/docs"))).toBe(false);
    // Fastify answers HEAD for every GET by itself; the document lists the GET alone.
    expect(operations.some((operation) => operation.startsWith("HEAD "))).toBe(false);
  });

  it("documents bodies, parameters and answers from the zod schemas", async () => {
    const doc = await document();
    const gateway = doc.paths["/api/v1/gateway"]!.get.responses["200"].content["application/json"].schema;
    expect(Object.keys(gateway.properties)).toEqual(expect.arrayContaining(["sessions", "tools", "calls"]));
    const create = doc.paths["/api/v1/mcp/servers"]!.post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.properties).toHaveProperty("command");
    expect(body.properties).toHaveProperty("start");
    expect(body.required).toContain("id");
    const patch = doc.paths["/api/v1/mcp/servers/{id}"]!.patch.requestBody.content["application/json"].schema;
    expect(patch.properties).toHaveProperty("command");
    expect(patch.required).toEqual([]);
    expect(create.responses["201"].content["application/json"].schema.properties).toHaveProperty("state");
    expect(create.responses["409"].content["application/json"].schema.properties).toHaveProperty("error");

    const logs = doc.paths["/api/v1/mcp/servers/{id}/logs"]!.get;
    const names = logs.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    expect(names).toEqual(expect.arrayContaining(["path:id", "query:limit"]));
    const limit = logs.parameters.find((p: { name: string }) => p.name === "limit");
    expect(limit.schema).toMatchObject({ type: "integer", maximum: 1000, default: 200 });

    // A path parameter whose route gives it no schema is still declared, as OpenAPI requires.
    const profile = doc.paths["/mcp/p/{profile}"]!.post;
    expect(profile.parameters).toEqual([{ name: "profile", in: "path", required: true, schema: { type: "string" } }]);

    const remove = doc.paths["/api/v1/mcp/servers/{id}"]!.delete;
    expect(remove.responses["204"]).toBeDefined();
    expect(remove.responses["204"].content).toBeUndefined();
  });

  it("declares bearer auth", async () => {
    const doc = (await document()) as OpenApiDoc & { components: { securitySchemes: Record<string, unknown> } };
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });
});

describe("docs page", () => {
  it("serves the interactive page and its assets from the installed package", async () => {
    const page = await t.request({ method: "GET", url: "/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.body).toContain("swagger");
    const scripts = [...page.body.matchAll(/src="([^"]+\.js)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const url = script.startsWith("/") ? script : `/docs/${script.replace(/^\.\//, "")}`;
      const asset = await t.request({ method: "GET", url });
      expect(asset.statusCode, url).toBe(200);
    }
  });

  it("serves only the page's own files, never another file of the package or a path outside it", async () => {
    for (const url of ["/docs/static/index.html", "/docs/static/..%2Fpackage.json", "/docs/static/%2E%2E%2F%2E%2E%2Fpackage.json"]) {
      const response = await t.request({ method: "GET", url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code, url).toBe("NOT_FOUND");
    }
    const css = await t.request({ method: "GET", url: "/docs/static/swagger-ui.css" });
    expect(css.statusCode).toBe(200);
    expect(css.headers["content-type"]).toMatch(/text\/css/);
  });
});
