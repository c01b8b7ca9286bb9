/** What a silence's matcher may name: a module of its own, so the CLI can check a key without loading the alert service. */
export const SILENCE_MATCHER_NAMES = ["rule_id", "server_id", "severity"] as const;
export type SilenceMatcherName = (typeof SILENCE_MATCHER_NAMES)[number];
