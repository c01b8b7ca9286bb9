/**
 * The channel types the product knows, and the building of channel instances from the config
 * file's `alerts.channels`. A type is added by writing its file and listing its definition
 * here; the registry refuses two definitions with one type.
 */
import type { AlertChannelEntry, AlertSeverity } from "../config/alerts-schema.js";
import { zodIssues } from "../config/validate.js";
import { AppError, errorMessage, isAppError, type FieldIssue } from "../core/errors.js";
import type { AlertChannel, ChannelContext, ChannelDefinition, ChannelDelivery } from "./channel.js";
import { callbackChannel } from "./channels/callback-channel.js";
import { emailChannel } from "./channels/email-channel.js";
import { webhookChannel } from "./channels/webhook-channel.js";
import { websocketChannel } from "./channels/websocket-channel.js";

export const BUILTIN_CHANNELS: readonly ChannelDefinition[] = [websocketChannel, webhookChannel, emailChannel, callbackChannel];

export class ChannelRegistry {
  private readonly byType = new Map<string, ChannelDefinition>();

  constructor(definitions: readonly ChannelDefinition[] = BUILTIN_CHANNELS) {
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) throw new Error(`duplicate alert channel type "${definition.type}"`);
      this.byType.set(definition.type, definition);
    }
  }

  get(type: string): ChannelDefinition | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }
}

export interface BuiltChannel {
  channel: AlertChannel;
  type: string;
  delivery: ChannelDelivery;
  durable: boolean;
  min_severity: AlertSeverity;
}

/**
 * Builds the enabled channels of `entries`. Every entry is checked against its type's schema
 * first; any problem (unknown type, bad field, unset `${VAR}`) throws one CONFIG_INVALID listing
 * them all, each naming its field (`alerts.channels[1].url`).
 */
export function buildChannels(
  entries: readonly AlertChannelEntry[],
  registry: ChannelRegistry,
  base: Omit<ChannelContext, "id" | "field">,
  fieldPrefix = "alerts.channels",
): BuiltChannel[] {
  const issues: FieldIssue[] = [];
  const planned: { definition: ChannelDefinition; config: unknown; entry: AlertChannelEntry; field: string }[] = [];
  entries.forEach((entry, index) => {
    const field = `${fieldPrefix}[${index}]`;
    const definition = registry.get(entry.type);
    if (!definition) {
      issues.push({ field: `${field}.type`, message: `unknown channel type "${entry.type}" (known: ${registry.types().join(", ")})` });
      return;
    }
    const { type: _type, id: _id, enabled: _enabled, delivery: _delivery, min_severity: _min, ...own } = entry;
    const parsed = definition.schema.safeParse(own, { reportInput: true });
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, field));
      return;
    }
    planned.push({ definition, config: parsed.data, entry, field });
  });

  const ids = new Map<string, string>();
  const idFor = (entry: AlertChannelEntry, field: string): string => {
    if (entry.id !== undefined) {
      const first = ids.get(entry.id);
      if (first !== undefined) issues.push({ field: `${field}.id`, message: `duplicate id, already used by ${first}` });
      ids.set(entry.id, field);
      return entry.id;
    }
    let id = entry.type;
    for (let n = 2; ids.has(id) || entries.some((other) => other.id === id && other !== entry); n++) id = `${entry.type}-${n}`;
    ids.set(id, field);
    return id;
  };

  const built: BuiltChannel[] = [];
  for (const { definition, config, entry, field } of planned) {
    const id = idFor(entry, field);
    if (!entry.enabled) continue;
    try {
      built.push({
        channel: definition.create(config, { ...base, id, field }),
        type: definition.type,
        delivery: entry.delivery ?? definition.delivery,
        durable: definition.durable,
        min_severity: entry.min_severity,
      });
    } catch (error) {
      // A factory reports problems such as an unset ${VAR} as CONFIG_INVALID naming the field.
      const message = errorMessage(error);
      const named = isAppError(error) && message.startsWith(`${field}.`);
      issues.push(named ? { field: message.slice(0, message.indexOf(":")), message: message.slice(message.indexOf(":") + 1).trim() } : { field, message });
    }
  }
  if (issues.length > 0) {
    void Promise.all(built.map((item) => item.channel.close?.()));
    throw new AppError("CONFIG_INVALID", issues.map((issue) => `${issue.field}: ${issue.message}`).join("\n"), { issues });
  }
  return built;
}
