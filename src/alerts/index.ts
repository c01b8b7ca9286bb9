/** The alerts domain's public surface: the service, its views, and the channel extension point. */
export { createAlertService } from "./alert-service.js";
export type { AlertListing, AlertListQuery, AlertService, AlertServiceOptions, ChannelStateView } from "./alert-service.js";
export type { AlertCallback, AlertChannel, ChannelContext, ChannelDefinition, ChannelDelivery } from "./channel.js";
export { defineChannel } from "./channel.js";
export { BUILTIN_CHANNELS, ChannelRegistry } from "./channel-registry.js";
export type { AlertNotification, AlertState, AlertView } from "./notification.js";
export type { RuleView } from "./rule-book.js";
export { CONFIG_SUBJECT, DAEMON_SUBJECT, DEFAULT_RULES, isServerSubject } from "./rules.js";
export type { RuleSource } from "./rules.js";
export { SIGNATURE_HEADER, signBody } from "./channels/webhook-channel.js";
export type { SilenceListState, SilenceView } from "./silence-book.js";
export {
  MaintenanceWindowSchema,
  NewSilenceSchema,
  SILENCE_MATCHER_NAMES,
  SilenceMatcherSchema,
  WEEKDAYS,
} from "./silences.js";
export type { MaintenanceWindow, NewSilence, SilenceMatcher, SilenceMatcherName, SilenceState, Weekday } from "./silences.js";
