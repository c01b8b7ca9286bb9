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
  /** The view the session was opened on (shared by the profile's sessions). */
  view: GatewayView;
  opened_at: number;
  last_activity_at: number;
  /** tools/call requests, answered or refused. */
  calls: number;
}

/** The view as one session uses it: every list, call, read and get is noted on its entry. */
export function trackedView(view: GatewayView, entry: SessionEntry, clock: Clock): GatewayView {
  const touch = () => void (entry.last_activity_at = clock.now());
  return {
    ...view,
    tools: () => (touch(), view.tools()),
    prompts: () => (touch(), view.prompts()),
    resources: () => (touch(), view.resources()),
    resourceTemplates: () => (touch(), view.resourceTemplates()),
    tool: (name) => {
      touch();
      entry.calls += 1;
      return view.tool(name);
    },
    prompt: (name) => (touch(), view.prompt(name)),
    resourceOwner: (uri) => (touch(), view.resourceOwner(uri)),
  };
}

/** The client's name and version from its initialize, or null before it. */
export function clientOf(server: Server): { name: string; version: string } | null {
  const info = server.getClientVersion();
  return info ? { name: info.name, version: info.version } : null;
}
