/**
 * The silences the daemon knows: loaded from the store at start, created and expired through the
 * alert service, answered from memory on the notification path (which alert is silenced, by
 * which silence, and when that next changes). Validation of what a user sends happens here too,
 * so the API and the CLI get the same field-named problems.
 */
import { formatIssues, zodIssues } from "../config/validate.js";
import { AppError, type FieldIssue } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AlertSilencesRepository, SilenceRecord } from "../store/alert-silences-repository.js";
import type { AlertView } from "./notification.js";
import {
  MaintenanceWindowSchema,
  MAX_SILENCE_SPAN_MS,
  NewSilenceSchema,
  nextSilenceChange,
  silenceInEffect,
  silenceMatches,
  silenceState,
  SilenceMatcherSchema,
  type MaintenanceWindow,
  type Silence,
  type SilenceMatcher,
  type SilenceState,
} from "./silences.js";

/** A silence as the API shows it: instants as ISO 8601, its state now and when that changes. */
export interface SilenceView {
  id: string;
  matchers: SilenceMatcher[];
  starts_at: string;
  ends_at: string | null;
  window: MaintenanceWindow | null;
  comment: string;
  created_by: string;
  created_at: string;
  state: SilenceState;
  /** When it next starts or stops holding; null once expired. */
  next_change_at: string | null;
}

export type SilenceListState = SilenceState | "all";

const iso = (at: number): string => new Date(at).toISOString();

function invalid(issues: FieldIssue[]): AppError {
  return new AppError("VALIDATION_FAILED", formatIssues(issues), { issues });
}

function fromRecord(record: SilenceRecord): Silence | undefined {
  const matchers = SilenceMatcherSchema.array().min(1).safeParse(record.matchers);
  const window = record.window === null ? null : MaintenanceWindowSchema.safeParse(record.window);
  if (!matchers.success || (window !== null && !window.success)) return undefined;
  return { ...record, matchers: matchers.data, window: window === null ? null : window.data };
}

export class SilenceBook {
  private silences = new Map<string, Silence>();

  constructor(
    private readonly repository: AlertSilencesRepository,
    private readonly logger: Logger,
  ) {}

  /** Loads every silence kept; one that no longer validates is skipped and logged. */
  async load(): Promise<void> {
    this.silences.clear();
    for (const record of await this.repository.list()) {
      const silence = fromRecord(record);
      if (silence) this.silences.set(silence.id, silence);
      else this.logger.warn({ silence_id: record.id }, "skipping a stored alert silence that is not valid");
    }
  }

  private view(silence: Silence, at: number): SilenceView {
    const next = nextSilenceChange(silence, at);
    return {
      id: silence.id,
      matchers: silence.matchers,
      starts_at: iso(silence.starts_at),
      ends_at: silence.ends_at === null ? null : iso(silence.ends_at),
      window: silence.window,
      comment: silence.comment,
      created_by: silence.created_by,
      created_at: iso(silence.created_at),
      state: silenceState(silence, at),
      next_change_at: next === null ? null : iso(next),
    };
  }

  /** Newest first. */
  list(state: SilenceListState, at: number): SilenceView[] {
    return [...this.silences.values()]
      .sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id))
      .map((silence) => this.view(silence, at))
      .filter((view) => state === "all" || view.state === state);
  }

  /** Validates (VALIDATION_FAILED naming fields, ends in the past refused) and stores a new silence. */
  async create(input: unknown, context: { at: number; by: string; newId: () => string }): Promise<SilenceView> {
    const parsed = NewSilenceSchema.safeParse(input, { reportInput: true });
    if (!parsed.success) throw invalid(zodIssues(parsed.error));
    const { matchers, window, comment, created_by: _named, starts_at, ends_at, duration } = parsed.data;
    const start = starts_at === undefined ? context.at : Date.parse(starts_at);
    const end = ends_at !== undefined ? Date.parse(ends_at) : duration !== undefined ? start + duration * 1000 : null;
    if (end !== null && end <= context.at) throw invalid([{ field: "ends_at", message: "must be in the future" }]);
    if (end !== null && end - start > MAX_SILENCE_SPAN_MS) throw invalid([{ field: "ends_at", message: "must be at most a year after starts_at" }]);
    const silence: Silence = {
      id: context.newId(),
      matchers,
      starts_at: start,
      ends_at: end,
      window: window ?? null,
      comment,
      created_by: context.by,
      created_at: context.at,
    };
    await this.repository.insert(silence);
    this.silences.set(silence.id, silence);
    return this.view(silence, context.at);
  }

  /** Ends a silence now; one already over is left as it is. Throws SILENCE_NOT_FOUND. */
  async expire(id: string, at: number): Promise<SilenceView> {
    const silence = this.find(id);
    if (silence.ends_at === null || silence.ends_at > at) {
      await this.repository.end(id, at);
      silence.ends_at = at;
      silence.starts_at = Math.min(silence.starts_at, at);
    }
    return this.view(silence, at);
  }

  /** The id of a silence holding back the alert's notifications at `at`, or null. */
  silencing(alert: Pick<AlertView, "rule_id" | "server_id" | "severity">, at: number): string | null {
    for (const silence of this.silences.values()) {
      if (silenceInEffect(silence, at) && silenceMatches(silence, alert)) return silence.id;
    }
    return null;
  }

  /** The next instant any silence starts or stops holding; null when none will. */
  nextChange(at: number): number | null {
    let next: number | null = null;
    for (const silence of this.silences.values()) {
      const change = nextSilenceChange(silence, at);
      if (change !== null && (next === null || change < next)) next = change;
    }
    return next;
  }

  /** Forgets silences that ended before `at`, here and in the store. */
  async pruneEndedBefore(at: number): Promise<number> {
    for (const [id, silence] of this.silences) if (silence.ends_at !== null && silence.ends_at < at) this.silences.delete(id);
    return this.repository.pruneEndedBefore(at);
  }

  private find(id: string): Silence {
    const silence = this.silences.get(id);
    if (!silence) throw new AppError("SILENCE_NOT_FOUND", `No alert silence has the id "${id}".`);
    return silence;
  }
}
