/**
 * The message bus. The interface is small on purpose (publish, subscribe, close) so that a
 * networked implementation (NATS, for several nodes) can stand behind it later.
 */
import type { Logger } from "../core/logger.js";
import type { DomainEvent, EventOf, EventType } from "./events.js";

export type Unsubscribe = () => void;

export interface MessageBus {
  publish(event: DomainEvent): void;
  /** Listens to one event type. */
  subscribe<T extends EventType>(type: T, handler: (event: EventOf<T>) => void): Unsubscribe;
  /** Listens to every event. */
  subscribeAll(handler: (event: DomainEvent) => void): Unsubscribe;
  close(): void;
}

/**
 * Delivers synchronously, in subscription order. A handler that throws is logged and does not
 * stop delivery to the others or reach the publisher.
 */
export class InProcessBus implements MessageBus {
  private readonly byType = new Map<EventType, Set<(event: DomainEvent) => void>>();
  private readonly all = new Set<(event: DomainEvent) => void>();

  constructor(private readonly logger?: Logger) {}

  publish(event: DomainEvent): void {
    const handlers = this.byType.get(event.type);
    if (handlers) for (const handler of [...handlers]) this.deliver(handler, event);
    for (const handler of [...this.all]) this.deliver(handler, event);
  }

  subscribe<T extends EventType>(type: T, handler: (event: EventOf<T>) => void): Unsubscribe {
    let handlers = this.byType.get(type);
    if (!handlers) {
      handlers = new Set();
      this.byType.set(type, handlers);
    }
    const wrapped = handler as (event: DomainEvent) => void;
    handlers.add(wrapped);
    return () => handlers.delete(wrapped);
  }

  subscribeAll(handler: (event: DomainEvent) => void): Unsubscribe {
    this.all.add(handler);
    return () => this.all.delete(handler);
  }

  close(): void {
    this.byType.clear();
    this.all.clear();
  }

  private deliver(handler: (event: DomainEvent) => void, event: DomainEvent): void {
    try {
      handler(event);
    } catch (error) {
      this.logger?.error({ err: error, event_type: event.type }, "bus subscriber failed");
    }
  }
}
