/**
 * The outcome of the last load of the config file, for the API, the CLI and alerts: a rejected
 * reload keeps the last good config running, which nobody sees unless it is shown. Problems name
 * fields and limits, never values (see validate.ts).
 */
export interface ConfigReloadStatus {
  /** The config file's path. */
  file: string;
  /** `ok`: the file in effect is the last one written; `rejected`: the last good one is kept. */
  result: "ok" | "rejected";
  /** When the file was last loaded or refused (ms since the epoch). */
  at: number;
  /** Why it was refused, one line per problem; empty when ok. */
  problems: string[];
}
