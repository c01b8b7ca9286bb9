export { InProcessBus } from "./bus.js";
export type { MessageBus, Unsubscribe } from "./bus.js";
export type {
  CapabilitySnapshot,
  ConfigRejectedEvent,
  ConfigReloadedEvent,
  DomainEvent,
  EventOf,
  EventType,
  PromptSummary,
  ResourceSummary,
  ServerCapabilitiesEvent,
  ServerLogEvent,
  ServerRegisteredEvent,
  ServerRemovedEvent,
  ServerState,
  ServerStatusEvent,
  ToolCalledEvent,
  ToolSummary,
} from "./events.js";
