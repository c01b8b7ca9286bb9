/**
 * An agent's way to its tools: an MCP session with the gateway inside the daemon, over a linked
 * pair of in-memory transports, so that an agent's calls take the path every client's do — the
 * quarantine, the per-tool overrides, the routing to the owning server with its timeout, and the
 * `tool_called` counters naming the agent (`via: "agent"`). The session carries an operator's
 * role, so the gateway's own tools that need admin are refused to agents. The tools offered to
 * the model are those of the allowlist.
 */
import type { CallToolResult, Transport } from "@modelcontextprotocol/client";
import { globToRegExp, type Gateway } from "../gateway/index.js";
import { callerAuthInfo } from "../gateway/index.js";
import { VERSION } from "../core/version.js";
import type { ChatTool } from "../llm/index.js";

/** A tool's answer longer than this is cut before the model sees it and before it is stored. */
export const MAX_RESULT_CHARS = 20_000;

/** The gateway's MCP server calls no client back for longer than this; the server's own request_timeout rules first. */
const CLIENT_REQUEST_TIMEOUT_MS = 30 * 60_000;

export interface ToolAnswer {
  text: string;
  isError: boolean;
}

export interface ToolSession {
  /** The allowed tools, as the model is offered them. */
  readonly tools: ChatTool[];
  allows(name: string): boolean;
  call(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolAnswer>;
  close(): Promise<void>;
}

/** Whether a gateway tool is in the allowlist: a pattern with a wildcard covers only servers' tools, not the gateway's own. */
export function allowlistMatcher(patterns: readonly string[]): (name: string, ownTool: boolean) => boolean {
  const rules = patterns.map((pattern) => ({ exact: !/[*?]/.test(pattern), pattern, regex: globToRegExp(pattern) }));
  return (name, ownTool) => rules.some((rule) => (rule.exact ? rule.pattern === name : !ownTool && rule.regex.test(name)));
}

/** A tool result as text for the model: text blocks, structured content, and a note for what is neither. */
export function resultText(result: CallToolResult): string {
  const parts = result.content.map((block) => {
    if (block.type === "text") return block.text;
    if (block.type === "resource") return "text" in block.resource ? block.resource.text : `[resource ${block.resource.uri}]`;
    if (block.type === "resource_link") return `[resource ${block.uri}]`;
    return `[${block.type}]`;
  });
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  const text = parts.join("\n");
  return text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}\n[cut: ${text.length - MAX_RESULT_CHARS} more characters]` : text;
}

/** The client's side of the pair, every message carrying the agent's identity and role. */
function withIdentity(transport: Transport, authInfo: ReturnType<typeof callerAuthInfo>): Transport {
  return new Proxy(transport, {
    get(target, key, receiver) {
      if (key === "send") return (message: Parameters<Transport["send"]>[0], options?: Parameters<Transport["send"]>[1]) => target.send(message, { ...options, authInfo } as never);
      return Reflect.get(target, key, receiver) as unknown;
    },
    set(target, key, value) {
      return Reflect.set(target, key, value);
    },
  });
}

export async function openToolSession(
  gateway: Pick<Gateway, "openServer" | "toolTarget">,
  agent: { id: string; runId: string },
  allowlist: readonly string[],
): Promise<ToolSession> {
  const { Client, InMemoryTransport } = await import("@modelcontextprotocol/client");
  const name = `agent:${agent.id}`;
  const server = await gateway.openServer({ session: true, sessionId: `${name}:${agent.runId}`, caller: { id: agent.id, name, via: "agent" } });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "pygent-agent", version: VERSION });
  try {
    await server.connect(serverSide);
    await client.connect(withIdentity(clientSide, callerAuthInfo({ token_id: agent.id, name, role: "operator" })));
    const listed: { name: string; description?: string | undefined; inputSchema: unknown }[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined);
      listed.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const matches = allowlistMatcher(allowlist);
    // A name no server owns is one of the gateway's own tools.
    const allowed = listed.filter((tool) => matches(tool.name, gateway.toolTarget(tool.name) === undefined));
    const names = new Set(allowed.map((tool) => tool.name));
    return {
      tools: allowed.map((tool) => ({ name: tool.name, description: tool.description ?? "", parameters: tool.inputSchema as Record<string, unknown> })),
      allows: (tool) => names.has(tool),
      async call(tool, args, signal) {
        const result = (await client.callTool({ name: tool, arguments: args }, { timeout: CLIENT_REQUEST_TIMEOUT_MS, ...(signal ? { signal } : {}) })) as CallToolResult;
        return { text: resultText(result), isError: result.isError === true };
      },
      async close() {
        await client.close();
        await server.close();
      },
    };
  } catch (error) {
    await client.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    throw error;
  }
}
