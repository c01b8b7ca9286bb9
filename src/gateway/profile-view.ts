/**
 * What one kind of client sees of the catalog: all of it at /mcp, or a profile's subset at
 * /mcp/p/<name>. A view lists only what its rules select — servers by id or tag, tools and
 * prompts by globs on their gateway names, resources by their server — with the per-tool
 * overrides of `gateway.tools` applied (a disabled tool is hidden and refused everywhere), and
 * resolves a client's name back to its server only when the view holds it. A profile with
 * `prefix: false` serves its one server's tools and prompts under their own names. A list is
 * made again only when the catalog's list it comes from is a new one, so while nothing changes
 * every list of a view is the same array.
 */
import type { Prompt, Resource, Tool } from "@modelcontextprotocol/server";
import type { GatewayProfile, ToolOverride } from "../config/gateway-profiles-schema.js";
import { AppError } from "../core/errors.js";
import { RESERVED_SERVER_ID } from "../core/ids.js";
import type { Catalog } from "./catalog.js";
import { namespacedName, splitName } from "./names.js";
import { CALL_TOOL, SEARCH_TOOLS } from "./search-builtins.js";

/** The view of /mcp itself: every server, every tool but the disabled ones. */
export const FULL_PROFILE: GatewayProfile = { role: "viewer", prefix: true, mode: "all" };

/**
 * The catalog's lists and look-ups, narrowed to the view: tool() and prompt() take the names the
 * view's clients use and throw TOOL_NOT_FOUND for one outside it or disabled; resourceOwner()
 * throws NOT_FOUND for a resource outside it.
 */
export interface GatewayView extends Omit<Catalog, "forgetTemplates" | "changed"> {
  /** The profile's name; undefined for /mcp itself. */
  readonly profile: string | undefined;
  readonly role: GatewayProfile["role"];
  /** What the view serves and how it names it, for the MCP server's instructions. */
  readonly instructions: string;
  /** Ids the profile names that the manager does not know (yet). */
  missingServers(): string[];
  /** The servers' tools the view holds, its mode aside: what its tool search and call by name work over. */
  searchable(): Tool[];
  /**
   * Whether the view offers the gateway's own tool of this name: /mcp offers them all, a profile
   * in search mode its tool search and call by name, any other profile none (its rules choose
   * from the servers' tools only).
   */
  offersOwn(name: string): boolean;
}

export interface ViewDeps {
  catalog: Catalog;
  separator: string;
  /** Every registered server's id with the labels profiles select it by: its `tags` and its `category`. */
  serverLabels(): ReadonlyMap<string, readonly string[]>;
  overrides: Readonly<Record<string, ToolOverride>>;
}

/** A glob (`*` any run, `?` one character) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.*?\\^$+()[\]{}|-]/g, (char) => (char === "*" ? ".*" : char === "?" ? "." : `\\${char}`));
  return new RegExp(`^${body}$`);
}

/** `select` over the catalog's list, made again only when that list is a new one. */
function derived<T, R>(select: (from: T[]) => R[]): (from: T[]) => R[] {
  let source: T[] | undefined;
  let made: R[] = [];
  return (from) => {
    if (from !== source) {
      made = select(from);
      source = from;
    }
    return made;
  };
}

/** A search-mode profile lists none of the servers' tools. */
const NO_TOOLS: Tool[] = [];

const serverOf = (item: { _meta?: Record<string, unknown> | undefined }): string => String(item._meta?.["pygent/server_id"]);

/** What the MCP server tells a client of the view it serves. */
function instructionsOf(name: string | undefined, profile: GatewayProfile, separator: string): string {
  const own = (tool: string) => namespacedName(RESERVED_SERVER_ID, tool, separator);
  if (name === undefined) {
    return (
      `Tools and prompts of every server PyGent runs, named <server_id>${separator}<name>. ` +
      `The gateway's own tools (${RESERVED_SERVER_ID}${separator}...) find tools by what they do and manage PyGent.`
    );
  }
  if (profile.mode === "search") return `PyGent's profile "${name}": find its tools with ${own(SEARCH_TOOLS)} and call them with ${own(CALL_TOOL)}.`;
  if (!profile.prefix) return `Tools and prompts of the server "${profile.servers?.[0]}", under their own names (PyGent's profile "${name}").`;
  return `Tools and prompts of PyGent's profile "${name}", named <server_id>${separator}<name>.`;
}

export function createView(name: string | undefined, profile: GatewayProfile, deps: ViewDeps): GatewayView {
  const { catalog, separator, overrides } = deps;
  const include = profile.tools?.map(globToRegExp);
  const exclude = (profile.exclude_tools ?? []).map(globToRegExp);
  const chosenIds = new Set(profile.servers ?? []);
  const chosenTags = new Set(profile.tags ?? []);
  const everyServer = profile.servers === undefined && profile.tags === undefined;
  // prefix: false is valid only with exactly one server in `servers`.
  const bareServer = profile.prefix ? undefined : profile.servers?.[0];
  const where = name === undefined ? "" : ` in profile "${name}"`;
  // /mcp without overrides serves the catalog's lists as they are, at no cost per list.
  const selectsAll = everyServer && include === undefined && exclude.length === 0 && profile.mode === "all" && bareServer === undefined;
  const overridden = Object.keys(overrides).length > 0;

  /** Whether a server is in the profile, by the servers registered now (one look at them per use). */
  const serverFilter = (): ((id: string) => boolean) => {
    if (everyServer) return () => true;
    const labels = chosenTags.size === 0 ? undefined : deps.serverLabels();
    return (id) => chosenIds.has(id) || (labels?.get(id) ?? []).some((label) => chosenTags.has(label));
  };
  const nameIn = (full: string): boolean => (include === undefined || include.some((glob) => glob.test(full))) && !exclude.some((glob) => glob.test(full));
  const selected = (full: string, serverIn: (id: string) => boolean): boolean => {
    const split = splitName(full, separator);
    return split !== undefined && serverIn(split.serverId) && nameIn(full);
  };
  const searchTools = new Set([SEARCH_TOOLS, CALL_TOOL].map((own) => namespacedName(RESERVED_SERVER_ID, own, separator)));
  const disabled = (full: string): boolean => overrides[full]?.enabled === false;

  /** The name a client uses for a gateway name. */
  const shown = (full: string): string => (bareServer === undefined ? full : (splitName(full, separator)?.name ?? full));
  /** The gateway name a client's name stands for. */
  const gatewayName = (clientName: string): string =>
    bareServer === undefined ? clientName : (namespacedName(bareServer, clientName, separator) ?? clientName);

  /** The servers' tools the rules select, with the overrides applied. */
  const selectTools = derived((tools: Tool[]): Tool[] => {
    if (selectsAll && !overridden) return tools;
    const serverIn = serverFilter();
    return tools
      .filter((tool) => selected(tool.name, serverIn) && !disabled(tool.name))
      .map((tool) => {
        const description = overrides[tool.name]?.description;
        const renamed = bareServer === undefined ? tool : { ...tool, name: shown(tool.name) };
        return description === undefined ? renamed : { ...renamed, description };
      });
  });
  const searchable = (): Tool[] => selectTools(catalog.tools());
  const selectPrompts = derived((prompts: Prompt[]): Prompt[] => {
    if (selectsAll) return prompts;
    const serverIn = serverFilter();
    return prompts
      .filter((prompt) => selected(prompt.name, serverIn))
      .map((prompt) => (bareServer === undefined ? prompt : { ...prompt, name: shown(prompt.name) }));
  });
  const selectResources = derived((resources: Resource[]): Resource[] => {
    const serverIn = serverFilter();
    return resources.filter((resource) => serverIn(serverOf(resource)));
  });

  return {
    profile: name,
    role: profile.role,
    instructions: instructionsOf(name, profile, separator),

    tools: () => (profile.mode === "search" ? NO_TOOLS : searchable()),
    searchable,
    prompts: () => selectPrompts(catalog.prompts()),
    resources: () => selectResources(catalog.resources()),

    async resourceTemplates() {
      const serverIn = serverFilter();
      return (await catalog.resourceTemplates()).filter((template) => serverIn(serverOf(template)));
    },

    tool(clientName) {
      const full = gatewayName(clientName);
      if (disabled(full)) throw new AppError("TOOL_NOT_FOUND", `tool "${full}" is disabled by the gateway's config (gateway.tools)`);
      if (!selected(full, serverFilter())) throw new AppError("TOOL_NOT_FOUND", `no tool is named "${clientName}"${where}`);
      return catalog.tool(full);
    },

    prompt(clientName) {
      const full = gatewayName(clientName);
      if (!selected(full, serverFilter())) throw new AppError("TOOL_NOT_FOUND", `no prompt is named "${clientName}"${where}`);
      return catalog.prompt(full);
    },

    async resourceOwner(uri) {
      const owner = await catalog.resourceOwner(uri);
      if (!serverFilter()(owner)) throw new AppError("NOT_FOUND", `no server${where} serves the resource ${uri}`);
      return owner;
    },

    missingServers() {
      const known = deps.serverLabels();
      return [...chosenIds].filter((id) => !known.has(id));
    },

    offersOwn: (own) => name === undefined || (profile.mode === "search" && searchTools.has(own)),
  };
}
