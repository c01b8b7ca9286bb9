/**
 * What the gateway keeps about each open client session for `GET /api/v1/gateway` and
 * `pygent gateway sessions`: its profile, when it opened, when it last asked for something and
 * how many tool calls it made. The session's view records the activity as the session's
 * requests go through it.
 */
import type { Server } from "@modelcontextprotocol/server";
import type { Clock } from "../core/clock.js";
import type { GatewayView } from "./profile-view.js";

export interface SessionEntry {
  /** The transport's session id (Mcp-Session-Id). */
  id: string;
  /** The profile the session was opened on; undefined for /mcp itself. */
  profile: string | undefined;
  opened_at: number;
  last_activity_at: number;
  /** tools/call requests, answered or refused. */
  calls: number;
}

/**
 * The view as one session uses it: the profile's current view (a config reload may replace it),
 * with every list, call, read and get noted on the session's entry.
 */
export function trackedView(current: () => GatewayView, entry: SessionEntry, clock: Clock): GatewayView {
  const touch = () => void (entry.last_activity_at = clock.now());
  return {
    get profile() {
      return current().profile;
    },
    get role() {
      return current().role;
    },
    get instructions() {
      return current().instructions;
    },
    tools: () => (touch(), current().tools()),
    prompts: () => (touch(), current().prompts()),
    resources: () => (touch(), current().resources()),
    resourceTemplates: () => (touch(), current().resourceTemplates()),
    tool: (name) => {
      touch();
      entry.calls += 1;
      return current().tool(name);
    },
    prompt: (name) => (touch(), current().prompt(name)),
    resourceOwner: (uri) => (touch(), current().resourceOwner(uri)),
    missingServers: () => current().missingServers(),
    searchable: () => current().searchable(),
    offersOwn: (name) => current().offersOwn(name),
  };
}

/** The client's name and version from its initialize, or null before it. */
export function clientOf(server: Server): { name: string; version: string } | null {
  const info = server.getClientVersion();
  return info ? { name: info.name, version: info.version } : null;
}
