/**
 * Which gateway sessions subscribed to which resource of which server. The daemon holds one
 * session with each server, shared by every gateway client: it subscribes there for each client
 * that asks (so that a restarted server learns of it again), unsubscribes once the last client
 * has left (unsubscribed or closed), and a server's notifications/resources/updated reaches only
 * the clients subscribed to that URI of that server. A server that starts again (a restart, a
 * crash, an on-demand start) is subscribed again to what its clients still hold.
 */
import type { Server } from "@modelcontextprotocol/server";
import type { MessageBus } from "../bus/index.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { McpManager } from "../mcp/index.js";

export interface ResourceSubscriptions {
  /** Subscribes the server's session to `uri` for this client; throws what the server threw. */
  subscribe(session: Server, serverId: string, uri: string): Promise<void>;
  /** Ends this client's subscriptions to `uri` (none is no error); throws what the server threw. */
  unsubscribe(session: Server, uri: string): Promise<void>;
  /** Ends every subscription of a client that closed. */
  forget(session: Server): void;
  /** Stops listening for updates. */
  close(): void;
}

interface Subscription {
  serverId: string;
  uri: string;
  sessions: Set<Server>;
}

export function createResourceSubscriptions(deps: { manager: McpManager; bus: MessageBus; logger: Logger }): ResourceSubscriptions {
  const { manager, logger } = deps;
  const subscriptions = new Map<string, Subscription>();
  const keyOf = (serverId: string, uri: string) => JSON.stringify([serverId, uri]);

  const stops = [
    deps.bus.subscribe("resource_updated", ({ server_id, uri }) => {
      for (const session of subscriptions.get(keyOf(server_id, uri))?.sessions ?? []) {
        session.sendResourceUpdated({ uri }).catch((error: unknown) => logger.debug({ err: errorMessage(error), server_id, uri }, "resource update not delivered"));
      }
    }),
    deps.bus.subscribe("server_status", ({ server_id, state, previous }) => {
      if (state !== "running" || previous === "running") return;
      for (const { serverId, uri } of subscriptions.values()) {
        if (serverId !== server_id) continue;
        manager.subscribeResource(serverId, uri).catch((error: unknown) => logger.warn({ err: errorMessage(error), server_id, uri }, "resource subscription not renewed"));
      }
    }),
  ];

  /** Takes the client off one subscription; the server's session is unsubscribed after the last client. */
  async function leave(session: Server, key: string, subscription: Subscription): Promise<void> {
    if (!subscription.sessions.delete(session) || subscription.sessions.size > 0) return;
    subscriptions.delete(key);
    await manager.unsubscribeResource(subscription.serverId, subscription.uri);
  }

  return {
    async subscribe(session, serverId, uri) {
      await manager.subscribeResource(serverId, uri);
      const key = keyOf(serverId, uri);
      const subscription = subscriptions.get(key) ?? { serverId, uri, sessions: new Set<Server>() };
      subscription.sessions.add(session);
      subscriptions.set(key, subscription);
    },

    async unsubscribe(session, uri) {
      const held = [...subscriptions].filter(([, subscription]) => subscription.uri === uri);
      await Promise.all(held.map(([key, subscription]) => leave(session, key, subscription)));
    },

    forget(session) {
      for (const [key, subscription] of [...subscriptions]) {
        leave(session, key, subscription).catch((error: unknown) =>
          logger.debug({ err: errorMessage(error), server_id: subscription.serverId, uri: subscription.uri }, "unsubscribe of a closed session failed"),
        );
      }
    },

    close() {
      for (const stop of stops) stop();
      subscriptions.clear();
    },
  };
}
