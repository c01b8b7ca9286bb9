/**
 * The dashboard's tool form, as data: which control each JSON Schema property gets, what the
 * form's text becomes as arguments (or which field is wrong and why), and which field an MCP
 * server's refusal of bad arguments names, in both SDKs' wording.
 */
import { describe, expect, it } from "vitest";
import { argumentsOf, fieldErrorsOfResult, fieldsOf } from "../web/src/pages/server-detail/schema-fields.js";

const SCHEMA = {
  type: "object",
  properties: {
    message: { type: "string", description: "Message to echo" },
    count: { type: "integer", minimum: 1, maximum: 10, default: 3 },
    ratio: { type: "number" },
    loud: { type: "boolean" },
    mode: { type: "string", enum: ["text", "blob"] },
    tags: { type: "array", items: { type: "string" } },
    sizes: { type: "array", items: { type: "number" } },
    options: { type: "object", properties: { depth: { type: "number" } } },
  },
  required: ["message", "mode"],
};

describe("the tool form", () => {
  it("gives each property a control by its type, marks the required ones and starts from the defaults", () => {
    const fields = fieldsOf(SCHEMA);
    expect(fields.map((field) => [field.name, field.kind, field.required])).toEqual([
      ["message", "string", true],
      ["count", "integer", false],
      ["ratio", "number", false],
      ["loud", "boolean", false],
      ["mode", "enum", true],
      ["tags", "list", false],
      ["sizes", "list", false],
      ["options", "json", false],
    ]);
    expect(fields.find((field) => field.name === "count")?.initial).toBe("3");
    expect(fields.find((field) => field.name === "message")?.description).toBe("Message to echo");
    expect(fieldsOf(undefined)).toEqual([]);
  });

  it("turns the form's text into typed arguments, leaving out empty optional fields", () => {
    const fields = fieldsOf(SCHEMA);
    const result = argumentsOf(fields, { message: " hi ", count: "4", loud: "true", mode: "blob", sizes: "1\n2.5\n", options: '{"depth": 2}' });
    expect(result).toEqual({ ok: true, arguments: { message: " hi ", count: 4, loud: true, mode: "blob", sizes: [1, 2.5], options: { depth: 2 } } });
  });

  it("names each wrong field: empty and required, not a number, not whole, not JSON, a bad list item", () => {
    const fields = fieldsOf(SCHEMA);
    const result = argumentsOf(fields, { message: "", count: "2.5", ratio: "abc", sizes: "1\nx", options: "{", mode: "" });
    expect(result.ok).toBe(false);
    const errors = result.ok ? {} : result.errors;
    expect(errors.message).toBe("message is required.");
    expect(errors.mode).toBe("mode is required.");
    expect(errors.count).toMatch(/not a whole number/);
    expect(errors.ratio).toMatch(/not a number/);
    expect(errors.sizes).toMatch(/line "x"/);
    expect(errors.options).toMatch(/not valid JSON/);
    expect(errors.loud).toBeUndefined();
  });

  it("finds the fields an MCP server's refusal names, in SDK 1's and SDK 2's wording", () => {
    const fields = fieldsOf(SCHEMA);
    const sdk1 = "MCP error -32602: Input validation error: Invalid arguments for tool links: Too big: expected number to be <=10 at count\nInvalid input at options.depth";
    expect(fieldErrorsOfResult(fields, sdk1)).toEqual({ count: "Too big: expected number to be <=10", options: "Invalid input" });
    const sdk2 = "Input validation error: Invalid arguments for tool add: message: Invalid input: expected string, received undefined, ratio: Invalid input: expected number, received string";
    expect(fieldErrorsOfResult(fields, sdk2)).toEqual({
      message: "Invalid input: expected string, received undefined",
      ratio: "Invalid input: expected number, received string",
    });
    expect(fieldErrorsOfResult(fields, "Something else went wrong")).toEqual({});
  });
});
