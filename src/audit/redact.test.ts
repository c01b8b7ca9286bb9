// What reaches the audit log of a request body or tool call: no secret values.
import { describe, expect, it } from "vitest";
import { REDACTED, redactForAudit } from "./redact.js";

describe("audit redaction", () => {
  it("replaces values under secret-looking keys at any depth", () => {
    const redacted = redactForAudit({
      arguments: { query: "weather", api_key: "sk-1", nested: { Authorization: "Bearer x", password: "p", token: "t", keep: 1 } },
    });
    expect(redacted).toEqual({
      arguments: { query: "weather", api_key: REDACTED, nested: { Authorization: REDACTED, password: REDACTED, token: REDACTED, keep: 1 } },
    });
  });

  it("keeps the names and drops every value of env, headers and secrets", () => {
    const redacted = redactForAudit({ id: "gh", env: { GITHUB_HOST: "github.com", PAT: "ghp_1" }, headers: { "X-Org": "acme" }, secrets: { A: "b" } });
    expect(redacted).toEqual({ id: "gh", env: { GITHUB_HOST: REDACTED, PAT: REDACTED }, headers: { "X-Org": REDACTED }, secrets: { A: REDACTED } });
    expect(JSON.stringify(redacted)).not.toMatch(/github\.com|ghp_1|acme/);
  });

  it("drops the value after a secret-looking flag in an argv, in both spellings", () => {
    expect(redactForAudit({ command: ["npx", "srv", "--api-key", "sk-1", "--token=t-2", "--port", "80"] })).toEqual({
      command: ["npx", "srv", "--api-key", REDACTED, `--token=${REDACTED}`, "--port", "80"],
    });
  });

  it("keeps the names and drops every value at the paths a caller names, whatever the keys say", () => {
    const redacted = redactForAudit(
      { body: { arguments: { "--connection-string": "postgres://u:pw@db/app", dsn: ["a", "b"] }, start: false }, arguments: { dsn: "kept" } },
      ["body.arguments"],
    );
    expect(redacted).toEqual({ body: { arguments: { "--connection-string": REDACTED, dsn: REDACTED }, start: false }, arguments: { dsn: "kept" } });
  });

  it("cuts long strings and deep nesting", () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    expect(JSON.stringify(redactForAudit(deep))).toContain("[too deep]");
    expect((redactForAudit({ text: "x".repeat(10_000) }) as { text: string }).text.length).toBeLessThan(600);
  });
});
