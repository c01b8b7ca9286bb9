/**
 * The one extension point for sending alerts out. A channel file exports a ChannelDefinition
 * (its type id, its config schema, whether it takes alerts at once or grouped, and a factory);
 * channel-registry.ts collects them.
 */
import type { z } from "zod";
import type { MessageBus } from "../bus/bus.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { AlertNotification } from "./notification.js";

export interface AlertChannel {
  readonly id: string;
  /** Delivers one notification; rejects when it could not. Called from the channel's own queue. */
  send(notification: AlertNotification): Promise<void>;
  /** Gives up on work in flight (open requests, retry waits) so shutdown is prompt. */
  close?(): Promise<void>;
  /**
   * Whether a send now reaches anyone; always, when not given. The in-process callbacks with no
   * subscriber reach nobody, and a notification sent there does not make its alerts look notified.
   */
  hasReceivers?(): boolean;
}

export type AlertCallback = (notification: AlertNotification) => void | Promise<void>;

export interface ChannelContext {
  /** The channel instance's id (from the config entry, or derived from its type). */
  id: string;
  /** Where in the config file the entry is, for messages (`alerts.channels[1]`). */
  field: string;
  clock: Clock;
  logger: Logger;
  bus: MessageBus;
  /** Where `${VAR}` references in secrets are looked up. */
  environment: NodeJS.ProcessEnv;
  /** The in-process subscribers of `onAlert`. */
  callbacks: ReadonlySet<AlertCallback>;
}

export type ChannelDelivery = "immediate" | "grouped";

export interface ChannelDefinition {
  /** The `type` written in the config entry; unique across the registry. */
  type: string;
  /** The channel's own fields (the common ones, type/id/enabled/delivery/min_severity, excluded). */
  schema: z.ZodType;
  /** immediate: each state change on its own, at once (dashboards); grouped: batched and capped. */
  delivery: ChannelDelivery;
  /** Whether what it fails to deliver is kept in the outbox and sent again (receivers that can be down). */
  durable: boolean;
  /** Builds the channel from config the registry has already checked against `schema`. */
  create(config: unknown, context: ChannelContext): AlertChannel;
}

/** Declares a channel with its factory typed by its schema. */
export function defineChannel<S extends z.ZodType>(definition: {
  type: string;
  schema: S;
  delivery: ChannelDelivery;
  durable?: boolean;
  create(config: z.output<S>, context: ChannelContext): AlertChannel;
}): ChannelDefinition {
  return {
    type: definition.type,
    schema: definition.schema,
    delivery: definition.delivery,
    durable: definition.durable ?? false,
    create: (config, context) => definition.create(config as z.output<S>, context),
  };
}
