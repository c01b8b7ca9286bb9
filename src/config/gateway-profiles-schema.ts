/**
 * The gateway's `profiles` and `tools` settings: named subsets of what /mcp serves (served at
 * /mcp/p/<name> and by `pygent mcp --profile <name>`), and per-tool overrides applied everywhere.
 * Tool patterns are globs on the gateway's own names (`<server_id><separator><tool>`): `*` is any
 * run of characters, `?` one character, everything else stands for itself.
 */
import { z } from "zod";

/** The characters MCP allows in a tool name (and so in the gateway's `<server_id><separator><tool>`). */
export const MCP_TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** A tool-name glob: tool-name characters and the wildcards `*` and `?`. */
const TOOL_GLOB_PATTERN = /^[A-Za-z0-9_.*?-]+$/;

/** A profile's name, which is also a path segment of /mcp/p/<name>. */
export const PROFILE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const ToolGlobSchema = z
  .string()
  .min(1, "must not be empty")
  .max(256)
  .regex(TOOL_GLOB_PATTERN, "may contain only letters, digits, '_', '.', '-' and the wildcards '*' and '?'");

const RoleSchema = z.enum(["viewer", "operator", "admin"]);

export const GatewayProfileSchema = z
  .object({
    description: z.string().max(500).optional(),
    /** Servers by id. With `tags`, a server chosen by either is in; with neither, every server is. */
    servers: z.array(z.string().min(1).max(64)).max(1000).optional(),
    /** Servers whose `tags` (or `category`) include one of these. */
    tags: z.array(z.string().min(1).max(64)).max(100).optional(),
    /** Globs on gateway names: only matching tools and prompts are in. All when not given. */
    tools: z.array(ToolGlobSchema).max(1000).optional(),
    /** Globs on gateway names: matching tools and prompts are out, whatever `tools` says. */
    exclude_tools: z.array(ToolGlobSchema).max(1000).optional(),
    /** The role a token needs to connect (while auth is on); tools/call still needs operator. */
    role: RoleSchema.default("viewer"),
    /** false: the one selected server's tools and prompts keep their own names (no `<server_id><separator>`). */
    prefix: z.boolean().default(true),
    /** search: the profile lists only the gateway's tool search and call by name, which work over its tools. */
    mode: z.enum(["all", "search"]).default("all"),
  })
  .strict()
  .superRefine((profile, ctx) => {
    if (profile.prefix) return;
    if (profile.mode === "search") {
      ctx.addIssue({ code: "custom", path: ["prefix"], message: 'cannot be false with mode "search", whose tools keep their names' });
    } else if (profile.servers?.length !== 1 || profile.tags !== undefined) {
      ctx.addIssue({ code: "custom", path: ["prefix"], message: "can be false only when the profile selects exactly one server (one id in servers, no tags)" });
    }
  });

export type GatewayProfile = z.output<typeof GatewayProfileSchema>;

export const ToolOverrideSchema = z
  .object({
    /** false: the tool is hidden from every client and its calls are refused. */
    enabled: z.boolean().default(true),
    /** Replaces the server's description of the tool. */
    description: z.string().min(1, "must not be empty").max(10_000).optional(),
  })
  .strict();

export type ToolOverride = z.output<typeof ToolOverrideSchema>;

export const GatewayProfilesSchema = z.record(
  z.string().regex(PROFILE_NAME_PATTERN, "a profile name may contain only letters, digits, '_' and '-' (at most 64)"),
  GatewayProfileSchema,
);

/**
 * The problems of `gateway.tools` keys given the separator: each must be a gateway tool name,
 * `<server_id><separator><tool>`. Returns the keys with what is wrong with each.
 */
export function toolOverrideKeyProblems(keys: readonly string[], separator: string): { key: string; message: string }[] {
  return keys.flatMap((key) => {
    if (!MCP_TOOL_NAME_PATTERN.test(key)) return [{ key, message: "is not a tool name: only letters, digits, '_', '.' and '-'" }];
    if (key.indexOf(separator) <= 0) return [{ key, message: `is not a gateway tool name: <server_id>${separator}<tool>` }];
    return [];
  });
}

/** Server ids named by profiles that are not among `knownIds`, as warnings naming the field. */
export function profileServerWarnings(profiles: Record<string, GatewayProfile>, knownIds: ReadonlySet<string>): string[] {
  return Object.entries(profiles).flatMap(([name, profile]) =>
    (profile.servers ?? [])
      .filter((id) => !knownIds.has(id))
      .map((id) => `gateway.profiles.${name}.servers: no server "${id}" is in the config file (a server added through the API or installed later still counts)`),
  );
}
