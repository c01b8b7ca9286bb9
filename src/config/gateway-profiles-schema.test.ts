import { describe, expect, it } from "vitest";
import { profileServerWarnings } from "./gateway-profiles-schema.js";
import { validateConfigFile } from "./validate.js";

/** The problems of a config whose only section is `gateway`, as field → message. */
function problems(gateway: unknown): Record<string, string> {
  const result = validateConfigFile({ gateway });
  return result.ok ? {} : Object.fromEntries(result.issues.map((issue) => [issue.field, issue.message]));
}

describe("gateway profiles and tool overrides in the config", () => {
  it("accepts profiles by server, tag and glob, and tool overrides, filling in the defaults", () => {
    const result = validateConfigFile({
      servers: [{ id: "fs", command: ["fs-server"], tags: ["local"] }],
      gateway: {
        profiles: {
          research: { servers: ["fs"], tags: ["web"], tools: ["fs__read_*", "web__?et"], exclude_tools: ["*__delete*"] },
          conformance: { servers: ["fs"], prefix: false, role: "operator" },
          lean: { mode: "search" },
        },
        tools: { "fs__write": { enabled: false }, "fs__read": { description: "Reads a file." } },
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.servers[0]?.tags).toEqual(["local"]);
    expect(result.value.gateway?.profiles.lean).toEqual({ role: "viewer", prefix: true, mode: "search" });
    expect(result.value.gateway?.tools).toEqual({ fs__write: { enabled: false }, fs__read: { enabled: true, description: "Reads a file." } });
  });

  it("refuses prefix: false unless the profile selects exactly one server, naming the field", () => {
    const message = "can be false only when the profile selects exactly one server (one id in servers, no tags)";
    expect(problems({ profiles: { two: { servers: ["a", "b"], prefix: false } } })).toEqual({ "gateway.profiles.two.prefix": message });
    expect(problems({ profiles: { tagged: { servers: ["a"], tags: ["x"], prefix: false } } })).toEqual({ "gateway.profiles.tagged.prefix": message });
    expect(problems({ profiles: { all: { prefix: false } } })).toEqual({ "gateway.profiles.all.prefix": message });
    expect(problems({ profiles: { lean: { servers: ["a"], mode: "search", prefix: false } } })).toEqual({
      "gateway.profiles.lean.prefix": 'cannot be false with mode "search", whose tools keep their names',
    });
  });

  it("refuses an invalid glob, profile name, role or tool override name, naming the field", () => {
    expect(problems({ profiles: { p: { tools: ["fs__[ab]"] } } })).toEqual({
      "gateway.profiles.p.tools[0]": "may contain only letters, digits, '_', '.', '-' and the wildcards '*' and '?'",
    });
    expect(Object.keys(problems({ profiles: { p: { exclude_tools: [""] } } }))).toEqual(["gateway.profiles.p.exclude_tools[0]"]);
    expect(Object.keys(problems({ profiles: { "a/b": {} } }))).toEqual(["gateway.profiles.a/b"]);
    expect(Object.keys(problems({ profiles: { p: { role: "root" } } }))).toEqual(["gateway.profiles.p.role"]);
    expect(Object.keys(problems({ profiles: { p: { server: ["a"] } } }))).toEqual(["gateway.profiles.p"]);
    expect(problems({ tools: { "fs read": { enabled: false }, write: { enabled: false } } })).toEqual({
      "gateway.tools.fs read": "is not a tool name: only letters, digits, '_', '.' and '-'",
      "gateway.tools.write": "is not a gateway tool name: <server_id>__<tool>",
    });
    expect(problems({ separator: ".", tools: { "fs.write": { enabled: false }, fs__write: {} } })).toEqual({
      "gateway.tools.fs__write": "is not a gateway tool name: <server_id>.<tool>",
    });
    expect(Object.keys(problems({ tools: { fs__write: { enabled: "no" } } }))).toEqual(["gateway.tools.fs__write.enabled"]);
  });

  it("warns, without refusing, about profile servers the file does not define", () => {
    const profiles = { research: { servers: ["fs", "web"], role: "viewer" as const, prefix: true, mode: "all" as const } };
    expect(profileServerWarnings(profiles, new Set(["fs"]))).toEqual([
      'gateway.profiles.research.servers: no server "web" is in the config file (a server added through the API or installed later still counts)',
    ]);
    expect(validateConfigFile({ gateway: { profiles } }).ok).toBe(true);
  });
});
