/**
 * `pygent__search_tools` and `pygent__call_tool`: a client that sees only these two can still find
 * and use every tool its session may see, without all their schemas in its context.
 */
import { z } from "zod";
import { AppError } from "../core/errors.js";
import { defineBuiltin, jsonResult, type BuiltinTool } from "./builtin-tools.js";
import type { ToolSearch } from "./tool-search.js";

export const SEARCH_TOOLS = "search_tools";
export const CALL_TOOL = "call_tool";

const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 25;

export function searchBuiltins(search: ToolSearch): BuiltinTool[] {
  return [
    defineBuiltin({
      name: SEARCH_TOOLS,
      description:
        "Finds the tools for a task among every tool behind this gateway, by words of their names, descriptions and " +
        "parameters, best first, with their full definitions (name, description, input schema) and scores.",
      input: z
        .object({
          query: z.string().trim().min(1, "must not be empty").max(500).describe("What the tool should do, in a few words"),
          limit: z.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT).describe("How many tools to return at most"),
        })
        .strict(),
      role: "viewer",
      readOnly: true,
      async run({ query, limit }, { visible }) {
        const hits = search.search(visible, query, limit);
        return jsonResult({
          query,
          tools: hits.map(({ tool, score }) => ({
            name: tool.name,
            ...(tool.description !== undefined ? { description: tool.description } : {}),
            inputSchema: tool.inputSchema,
            score,
          })),
        });
      },
    }),
    defineBuiltin({
      name: CALL_TOOL,
      description:
        "Calls a tool behind this gateway by its name (as search_tools gives it) with its arguments, and returns the tool's own result.",
      input: z
        .object({
          name: z.string().min(1, "must not be empty").describe("The tool's name as search_tools gives it"),
          arguments: z.record(z.string(), z.unknown()).default({}).describe("The tool's arguments, as its input schema describes"),
        })
        .strict(),
      role: "operator",
      readOnly: false,
      async run({ name, arguments: args }, { visible, callTool }) {
        if (!visible.list().some((tool) => tool.name === name)) {
          throw new AppError("TOOL_NOT_FOUND", `no tool named "${name}" is served to this session; search_tools finds tools by what they do`);
        }
        return callTool(name, args);
      },
    }),
  ];
}
