import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import {
  idFromServerName,
  MARKETPLACE_META_KEY,
  normalizeServerJson,
  OFFICIAL_META_KEY,
  qualifiedIdFromServerName,
  tryNormalizeServerJson,
} from "./schema.js";

const current = {
  $schema: "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
  name: "io.github.example/weather",
  title: "Weather",
  description: "Forecasts and current conditions",
  version: "1.2.0",
  websiteUrl: "https://example.com/weather",
  repository: { url: "https://github.com/example/weather", source: "github", id: "123", subfolder: "server" },
  packages: [
    {
      registryType: "npm",
      registryBaseUrl: "https://registry.npmjs.org",
      identifier: "@example/weather-mcp",
      version: "1.2.0",
      runtimeHint: "npx",
      transport: { type: "stdio" },
      packageArguments: [{ type: "named", name: "--units", default: "metric", isRequired: false }],
      environmentVariables: [{ name: "WEATHER_API_KEY", description: "API key", isRequired: true, isSecret: true }],
    },
  ],
  remotes: [{ type: "streamable-http", url: "https://weather.example.com/mcp", headers: [{ name: "X-Key", isSecret: true }] }],
  icons: [{ src: "https://example.com/icon.png" }],
  somethingNew: { kept: true },
};

const legacy = {
  name: "io.github.example/weather",
  description: "Forecasts and current conditions",
  status: "active",
  repository: { url: "https://github.com/example/weather", source: "github", id: "123" },
  version_detail: { version: "1.2.0", release_date: "2025-07-01T00:00:00Z", is_latest: true },
  packages: [
    {
      registry_name: "npm",
      name: "@example/weather-mcp",
      version: "1.2.0",
      runtime_hint: "npx",
      package_arguments: [{ type: "named", name: "--units", default: "metric", is_required: false }],
      environment_variables: [{ name: "WEATHER_API_KEY", description: "API key", is_required: true, is_secret: true }],
    },
    { registry_name: "docker", name: "example/weather", version: "1.2.0" },
  ],
  remotes: [{ transport_type: "streamable-http", url: "https://weather.example.com/mcp", headers: [{ name: "X-Key", is_secret: true }] }],
};

describe("normalizeServerJson", () => {
  it("accepts the current generation and keeps unknown fields", () => {
    const entry = normalizeServerJson(current);
    expect(entry.name).toBe("io.github.example/weather");
    expect(entry.packages?.[0]?.environmentVariables?.[0]).toMatchObject({ name: "WEATHER_API_KEY", isSecret: true });
    expect((entry as Record<string, unknown>).somethingNew).toEqual({ kept: true });
    expect(entry._meta[MARKETPLACE_META_KEY]).toMatchObject({ id: "weather", category: "other", tags: [], featured: false });
  });

  it("rewrites the older snake_case generation to the current one", () => {
    const entry = normalizeServerJson(legacy);
    expect(entry.version).toBe("1.2.0");
    expect(entry.packages?.[0]).toMatchObject({
      registryType: "npm",
      identifier: "@example/weather-mcp",
      version: "1.2.0",
      runtimeHint: "npx",
      transport: { type: "stdio" },
      packageArguments: [{ type: "named", name: "--units", default: "metric", isRequired: false }],
      environmentVariables: [{ name: "WEATHER_API_KEY", isRequired: true, isSecret: true }],
    });
    expect(entry.packages?.[0]).not.toHaveProperty("registry_name");
    expect(entry.packages?.[1]).toMatchObject({ registryType: "oci", identifier: "example/weather" });
    expect(entry.remotes?.[0]).toEqual({
      type: "streamable-http",
      url: "https://weather.example.com/mcp",
      headers: [{ name: "X-Key", isSecret: true }],
    });
    expect(entry._meta[OFFICIAL_META_KEY]).toMatchObject({ status: "active" });
    expect(entry).not.toHaveProperty("version_detail");
  });

  it("gives both generations of one server the same packages and remotes", () => {
    const a = normalizeServerJson(current);
    const b = normalizeServerJson(legacy);
    const { registryBaseUrl: _dropped, ...currentPackage } = a.packages?.[0] ?? {};
    expect(b.packages?.[0]).toEqual(currentPackage);
    expect(b.remotes).toEqual(a.remotes);
  });

  it("keeps marketplace fields a document already carries and fills defaults for the rest", () => {
    const entry = normalizeServerJson(
      { ...current, _meta: { [MARKETPLACE_META_KEY]: { id: "wx", category: "web" } } },
      { defaults: { source: "builtin", category: "ignored" } },
    );
    expect(entry._meta[MARKETPLACE_META_KEY]).toEqual({ id: "wx", category: "web", tags: [], featured: false, source: "builtin" });
  });

  it("names the bad field in its error", () => {
    const bad = { ...current, packages: [{ ...current.packages[0], identifier: undefined }] };
    expect(() => normalizeServerJson(bad)).toThrow(AppError);
    expect(() => normalizeServerJson(bad)).toThrow(/packages\[0\]\.identifier: is required/);

    const result = tryNormalizeServerJson({ ...current, name: "no-slash", remotes: [{ type: "sse", url: "ftp://x" }] }, { label: "servers[4]" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const fields = result.issues.map((issue) => issue.field);
      expect(fields).toContain("servers[4].name");
      expect(fields).toContain("servers[4].remotes[0].url");
    }
  });

  it("refuses a package version of latest and a non-object document", () => {
    const latest = { ...current, packages: [{ ...current.packages[0], version: "latest" }] };
    expect(() => normalizeServerJson(latest)).toThrow(/packages\[0\]\.version: must be a specific version/);
    expect(tryNormalizeServerJson([]).ok).toBe(false);
    expect(tryNormalizeServerJson(null).ok).toBe(false);
  });

  it("accepts a remote URL that starts with a template variable", () => {
    const entry = normalizeServerJson({ ...current, remotes: [{ type: "sse", url: "{base_url}/sse" }] });
    expect(entry.remotes?.[0]?.url).toBe("{base_url}/sse");
  });
});

describe("ids from registry names", () => {
  it("takes the part after the slash and keeps it within our id rule", () => {
    expect(idFromServerName("io.github.upstash/context7")).toBe("context7");
    expect(idFromServerName("com.example/My Server!")).toBe("my-server");
    expect(idFromServerName("a/..hidden")).toBe("hidden");
    expect(qualifiedIdFromServerName("io.github.upstash/context7")).toBe("io.github.upstash-context7");
    expect(idFromServerName(`x/${"a".repeat(100)}`)).toHaveLength(64);
  });
});
