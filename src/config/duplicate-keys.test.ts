import { describe, expect, it } from "vitest";
import { isAppError } from "../core/errors.js";
import { findDuplicateKeys } from "./duplicate-keys.js";
import { parseConfigText } from "./loader.js";

describe("duplicate keys in the config file", () => {
  it("finds a key given twice in one object, with the path of the object", () => {
    const text = `{"servers":[{"id":"a","command":["x"]},{"id":"b","command":["node"],"env":{"K":"1","K":"2"},"command":["rm"]}]}`;
    expect(findDuplicateKeys(text)).toEqual([
      { path: "servers[1].env", key: "K" },
      { path: "servers[1]", key: "command" },
    ]);
  });

  it("does not confuse the same key in sibling objects, keys inside strings, or escaped quotes", () => {
    const text = `{"servers":[{"id":"a"},{"id":"b","description":"\\"id\\": twice, {\\"id\\":1}"}], "id": "top"}`;
    expect(findDuplicateKeys(text)).toEqual([]);
  });

  it("handles nesting far deeper than the stack allows", () => {
    const text = `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`;
    expect(findDuplicateKeys(text)).toEqual([]);
  });

  it("refuses such a config file naming the field and the key, never a value", () => {
    const text = JSON.stringify({ servers: [{ id: "gh", command: ["node"], env: { TOKEN: "s3cr3t-value" } }] }).replace(
      '"env":{',
      '"env":{"TOKEN":"other-s3cr3t",',
    );
    let caught: unknown;
    try {
      parseConfigText(text, "mcp_server_configs.json");
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught) && caught.code).toBe("CONFIG_INVALID");
    const error = caught as Error & { details: { issues: { field: string; message: string }[] } };
    expect(error.details.issues).toEqual([{ field: "servers[0].env", message: expect.stringContaining('"TOKEN" appears more than once') }]);
    expect(error.message).not.toContain("s3cr3t");
  });
});
