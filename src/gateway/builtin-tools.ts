/**
 * The gateway's own tools, served beside the servers' under a reserved id (`pygent__<name>`
 * with the default separator, the Retrieval System's as `rag__<name>`; no server may take those ids). Each declares its input as a zod
 * schema, the least token role that may call it (the REST API's roles) and what it runs. The
 * caller's role comes with each request from the HTTP layer (the SDK's `authInfo`); with auth off
 * there is none and every caller may call every tool, as on the REST API.
 */
import type { AuthInfo, CallToolResult, Tool, ToolAnnotations } from "@modelcontextprotocol/server";
import { z } from "zod";
import { formatIssues, zodIssues } from "../config/validate.js";
import { AppError, errorMessage, isAppError } from "../core/errors.js";
import { RESERVED_SERVER_ID } from "../core/ids.js";
import { roleAllows, TOKEN_ROLES, type TokenRole } from "../store/index.js";
import { namespacedName } from "./names.js";
import type { VisibleTools } from "./tool-search.js";

/** What a built-in may use besides its own services: the session's view of the servers' tools. */
export interface BuiltinContext {
  /** Who calls: the session's caller name (a token's, or `agent:<id>`). */
  caller: string;
  /** The servers' tools this session can see. */
  visible: VisibleTools;
  /** Calls one of those tools by its gateway name, as tools/call does. */
  callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
}

export interface BuiltinTool {
  /** The name after the prefix: `search_tools` is served as `pygent__search_tools`. */
  name: string;
  /** The reserved id it is served under; the gateway's own (`pygent`) unless given. */
  owner?: string;
  description: string;
  input: z.ZodObject;
  /** The least role a token needs to call it. */
  role: TokenRole;
  /** Whether it only reads (the MCP readOnlyHint). */
  readOnly: boolean;
  /** Runs with input `input` has parsed; a thrown error becomes an isError result naming its code. */
  run(args: never, context: BuiltinContext): Promise<CallToolResult>;
}

/** Declares a built-in with its arguments typed by its schema. */
export function defineBuiltin<S extends z.ZodObject>(tool: {
  name: string;
  owner?: string;
  description: string;
  input: S;
  role: TokenRole;
  readOnly: boolean;
  run(args: z.output<S>, context: BuiltinContext): Promise<CallToolResult>;
}): BuiltinTool {
  return tool as BuiltinTool;
}

/** A result carrying `value` as JSON text and as structured content. */
export function jsonResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

const ROLE_KEY = "pygent/role";

/** What the HTTP layer hands the SDK for an authenticated caller; never the token's secret. */
export function callerAuthInfo(caller: { token_id: string; name: string; role: TokenRole }): AuthInfo {
  return { token: "", clientId: caller.token_id, scopes: [caller.role], extra: { [ROLE_KEY]: caller.role, name: caller.name } };
}

/** The caller's role, or null when the request carried none (auth off). */
export function callerRole(authInfo: AuthInfo | undefined): TokenRole | null {
  const role = authInfo?.extra?.[ROLE_KEY];
  return TOKEN_ROLES.find((known) => known === role) ?? null;
}

export interface Builtins {
  /** Their definitions as tools/list gives them. */
  definitions(): Tool[];
  /** The built-in a gateway name stands for, if it is one. */
  find(name: string): BuiltinTool | undefined;
  /**
   * Runs the named built-in for a caller of `role`. Throws FORBIDDEN when the role may not call
   * it; bad arguments and failures come back as isError results naming the field or the code.
   */
  call(name: string, args: Record<string, unknown>, role: TokenRole | null, context: BuiltinContext): Promise<CallToolResult>;
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

export function createBuiltins(tools: readonly BuiltinTool[], separator: string): Builtins {
  const byName = new Map<string, BuiltinTool>();
  for (const tool of tools) {
    const name = namespacedName(tool.owner ?? RESERVED_SERVER_ID, tool.name, separator);
    if (!name || byName.has(name)) throw new Error(`built-in tool ${tool.name} has no valid, unique name with separator ${separator}`);
    byName.set(name, tool);
  }
  // Written when first listed, not while the daemon starts and nobody has asked yet.
  let definitions: Tool[] | undefined;
  const define = (name: string, tool: BuiltinTool): Tool => {
    const annotations: ToolAnnotations = { readOnlyHint: tool.readOnly, openWorldHint: false };
    return {
      name,
      description: `${tool.description} Needs the ${tool.role} role when auth is on.`,
      inputSchema: z.toJSONSchema(tool.input, { io: "input" }) as Tool["inputSchema"],
      annotations,
    };
  };
  return {
    definitions: () => (definitions ??= [...byName].map(([name, tool]) => define(name, tool))),
    find: (name) => byName.get(name),
    async call(name, args, role, context) {
      const tool = byName.get(name);
      if (!tool) throw new AppError("TOOL_NOT_FOUND", `no built-in tool is named "${name}"`);
      if (role !== null && !roleAllows(role, tool.role)) {
        throw new AppError("FORBIDDEN", `${name} needs the ${tool.role} role; the token has the ${role} role.`, {
          required_role: tool.role,
          role,
        });
      }
      const parsed = tool.input.safeParse(args);
      if (!parsed.success) return errorResult(`VALIDATION_FAILED: ${formatIssues(zodIssues(parsed.error, "arguments"))}`);
      try {
        return await tool.run(parsed.data as never, context);
      } catch (error) {
        return errorResult(`${isAppError(error) ? error.code : "FAILED"}: ${errorMessage(error)}`);
      }
    },
  };
}
