/**
 * What the gateway serves, gathered from the running servers (and from the last snapshot of
 * on-demand ones at rest, which a call starts) at the first list after each change the gateway
 * reports (changed()), and kept until the next: their tools
 * and prompts under namespaced names, their resources under their own URIs with the owner kept
 * (a URI two servers serve goes to the first by id), and their resource templates. Also resolves
 * a name or URI a client sends back to the server that owns it.
 */
import type { Prompt, Resource, ResourceTemplateType, Tool } from "@modelcontextprotocol/server";
import type { CapabilitySnapshot, ToolSummary } from "../bus/index.js";
import { AppError, errorMessage, isAppError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { startsOnCall, type McpManager, type ResourceTemplateSummary } from "../mcp/index.js";
import { idFitsSeparator, namespacedName, splitName } from "./names.js";
import { loadServerSdk } from "./server-sdk.js";

export interface Target {
  serverId: string;
  name: string;
}

export interface Catalog {
  tools(): Tool[];
  prompts(): Prompt[];
  resources(): Resource[];
  resourceTemplates(): Promise<ResourceTemplateType[]>;
  /** The server and tool a namespaced tool name stands for; throws TOOL_NOT_FOUND, SERVER_NOT_RUNNING or TOOL_HELD. */
  tool(name: string): Target;
  /** As tool(), for prompts. */
  prompt(name: string): Target;
  /** The server that serves the URI, as a resource or through one of its templates; throws NOT_FOUND. */
  resourceOwner(uri: string): Promise<string>;
  /** Forgets the templates kept for a server (it stopped, restarted or changed). */
  forgetTemplates(serverId: string): void;
  /**
   * What the servers serve may have changed (a server started, stopped, changed its lists or its
   * config, a tool was held or approved): the lists are gathered again at their next use. Until
   * then each list is the same array at every use.
   */
  changed(): void;
}

export interface CatalogDeps {
  manager: McpManager;
  separator: string;
  logger: Logger;
  /** The tools of a server's snapshot that may be served (those awaiting approval are not). */
  servedTools: (serverId: string, snapshot: CapabilitySnapshot) => ToolSummary[];
  /** Why a tool may not be called now (it awaits approval), or undefined. */
  toolRefusal: (serverId: string, tool: string) => AppError | undefined;
}

export function createCatalog({ manager, separator, logger, servedTools, toolRefusal }: CatalogDeps): Catalog {
  const templates = new Map<string, Promise<ResourceTemplateSummary[]>>();
  let kept: { tools?: Tool[]; prompts?: Prompt[]; resources?: Resource[] } = {};

  /**
   * Running servers, and on-demand ones a call would start (listed from their last snapshot;
   * their templates are asked only while they run), whose names the separator can carry, in id order.
   */
  function servedIds(runningOnly = false): string[] {
    return manager
      .list()
      .filter((server) => (server.state === "running" || (!runningOnly && startsOnCall(server))) && idFitsSeparator(server.id, separator))
      .map((server) => server.id);
  }

  function snapshotOf(id: string): CapabilitySnapshot | null {
    try {
      return manager.capabilities(id);
    } catch {
      // Removed between the listing and this look-up.
      return null;
    }
  }

  /** Each running server's tools or prompts under their namespaced names; a name MCP would refuse is left out. */
  function namespaced<T extends { name: string }, R>(listOf: (snapshot: CapabilitySnapshot, id: string) => T[], shape: (item: T, name: string) => R): R[] {
    return servedIds().flatMap((id) => {
      const snapshot = snapshotOf(id);
      if (!snapshot) return [];
      return listOf(snapshot, id).flatMap((item) => {
        const name = namespacedName(id, item.name, separator);
        return name ? [shape(item, name)] : [];
      });
    });
  }

  function templatesOf(id: string): Promise<ResourceTemplateSummary[]> {
    let kept = templates.get(id);
    if (!kept) {
      kept = manager.listResourceTemplates(id).catch((error: unknown) => {
        templates.delete(id);
        logger.warn({ server_id: id, err: errorMessage(error) }, "resource templates not listed");
        return [];
      });
      templates.set(id, kept);
    }
    return kept;
  }

  /** The state of the registered server of this id, or undefined. */
  function registered(id: string): ReturnType<McpManager["runState"]> | undefined {
    try {
      return manager.runState(id);
    } catch (error) {
      if (isAppError(error) && (error.code === "SERVER_NOT_FOUND" || error.code === "INVALID_ID")) return undefined;
      throw error;
    }
  }

  function resolve(kind: "tool" | "prompt", full: string): Target {
    const split = splitName(full, separator);
    // One look-up of the named server, not a list of them all: this runs at every call.
    const server = split !== undefined && idFitsSeparator(split.serverId, separator) ? registered(split.serverId) : undefined;
    if (!split || !server) {
      throw new AppError("TOOL_NOT_FOUND", `no ${kind} is named "${full}": gateway names are <server_id>${separator}<${kind}> of a registered server`);
    }
    const state = server.state;
    if (state !== "running" && !startsOnCall(server)) {
      throw new AppError("SERVER_NOT_RUNNING", `server "${split.serverId}" is ${state}, not running; start it to use ${full}`);
    }
    return { serverId: split.serverId, name: split.name };
  }

  /** Each served server's resources; a URI two servers serve goes to the first by id. */
  function gatherResources(): Resource[] {
    const seen = new Set<string>();
    const out: Resource[] = [];
    for (const id of servedIds()) {
      for (const resource of snapshotOf(id)?.resources ?? []) {
        if (seen.has(resource.uri)) continue;
        seen.add(resource.uri);
        out.push({
          uri: resource.uri,
          name: resource.name,
          ...(resource.description !== undefined ? { description: resource.description } : {}),
          ...(resource.mime_type !== undefined ? { mimeType: resource.mime_type } : {}),
          _meta: { "pygent/server_id": id },
        });
      }
    }
    return out;
  }

  return {
    tools: () =>
      (kept.tools ??= namespaced(
        (snapshot, id) => servedTools(id, snapshot),
        (tool, name): Tool => ({
          name,
          ...(tool.title !== undefined ? { title: tool.title } : {}),
          ...(tool.description !== undefined ? { description: tool.description } : {}),
          inputSchema: tool.input_schema as Tool["inputSchema"],
          ...(tool.output_schema !== undefined ? { outputSchema: tool.output_schema as Tool["outputSchema"] } : {}),
          ...(tool.annotations !== undefined ? { annotations: tool.annotations as Tool["annotations"] } : {}),
        }),
      )),

    prompts: () =>
      (kept.prompts ??= namespaced(
        (snapshot) => snapshot.prompts,
        (prompt, name): Prompt => ({
          name,
          ...(prompt.description !== undefined ? { description: prompt.description } : {}),
          ...(prompt.arguments !== undefined ? { arguments: prompt.arguments as Prompt["arguments"] } : {}),
        }),
      )),

    resources: () => (kept.resources ??= gatherResources()),

    async resourceTemplates() {
      const ids = servedIds(true);
      const lists = await Promise.all(ids.map((id) => templatesOf(id)));
      return lists.flatMap((list, index) =>
        list.map((template) => ({
          uriTemplate: template.uri_template,
          name: template.name,
          ...(template.title !== undefined ? { title: template.title } : {}),
          ...(template.description !== undefined ? { description: template.description } : {}),
          ...(template.mime_type !== undefined ? { mimeType: template.mime_type } : {}),
          _meta: { "pygent/server_id": ids[index] },
        })),
      );
    },

    tool(name) {
      const target = resolve("tool", name);
      const refusal = toolRefusal(target.serverId, target.name);
      if (refusal) throw refusal;
      return target;
    },
    prompt: (name) => resolve("prompt", name),

    async resourceOwner(uri) {
      const ids = servedIds();
      const direct = ids.find((id) => snapshotOf(id)?.resources.some((resource) => resource.uri === uri));
      if (direct) return direct;
      const { UriTemplate } = await loadServerSdk();
      for (const id of servedIds(true)) {
        const matches = (await templatesOf(id)).some((template) => new UriTemplate(template.uri_template).match(uri) !== null);
        if (matches) return id;
      }
      throw new AppError("NOT_FOUND", `no running server serves the resource ${uri}`);
    },

    forgetTemplates(serverId) {
      templates.delete(serverId);
    },

    changed() {
      kept = {};
    },
  };
}
