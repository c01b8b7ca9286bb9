/**
 * One client's subscriptions: for each topic, every server or only some. Subscribing with
 * server_ids widens a filtered topic by those servers; subscribing without makes it unfiltered.
 * Unsubscribing with server_ids narrows a filtered topic (and drops it when none are left);
 * without, it drops the topic.
 */
import { TOPICS, type Topic } from "./wire-protocol.js";

/** What the acks report: the topics received, and the server filter of those that have one. */
export interface SubscriptionView {
  events: Topic[];
  server_ids: Partial<Record<Topic, string[]>>;
}

/** Server ids one topic's filter may hold, so repeated subscribes cannot grow a client without bound. */
export const MAX_FILTER_IDS = 1000;

export class Subscriptions {
  /** null means every server. */
  private readonly topics = new Map<Topic, Set<string> | null>();

  /** False (and nothing changed) when a filter would exceed MAX_FILTER_IDS. */
  add(topics: readonly Topic[], serverIds: readonly string[] | null): boolean {
    if (serverIds !== null) {
      for (const topic of topics) {
        const current = this.topics.get(topic);
        if (current && new Set([...current, ...serverIds]).size > MAX_FILTER_IDS) return false;
      }
    }
    for (const topic of topics) {
      const current = this.topics.get(topic);
      if (serverIds === null || current === null) this.topics.set(topic, null);
      else this.topics.set(topic, new Set([...(current ?? []), ...serverIds]));
    }
    return true;
  }

  remove(topics: readonly Topic[], serverIds: readonly string[] | null): void {
    for (const topic of topics) {
      const current = this.topics.get(topic);
      if (serverIds === null) this.topics.delete(topic);
      else if (current) {
        for (const id of serverIds) current.delete(id);
        if (current.size === 0) this.topics.delete(topic);
      }
      // Narrowing an unfiltered topic by ids ("all but x") is not expressible; it stays as it is.
    }
  }

  /** `serverId` null: an event about no one server, which a server filter does not hold back. */
  wants(topic: Topic, serverId: string | null): boolean {
    const filter = this.topics.get(topic);
    if (filter === undefined) return false;
    return filter === null || serverId === null || filter.has(serverId);
  }

  view(): SubscriptionView {
    const events = TOPICS.filter((topic) => this.topics.has(topic));
    const serverIds: Partial<Record<Topic, string[]>> = {};
    for (const topic of events) {
      const filter = this.topics.get(topic);
      if (filter) serverIds[topic] = [...filter].sort();
    }
    return { events, server_ids: serverIds };
  }
}
