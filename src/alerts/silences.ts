/**
 * Silences and maintenance windows, as Alertmanager has them: a silence names alerts by matchers
 * (rule id, server id, severity; exact or glob) and a time — one stretch from `starts_at` to
 * `ends_at`, or a recurring window (days of the week, a time of day and a duration, in UTC or a
 * named IANA zone) within that stretch. A silenced alert is still recorded; only its
 * notifications are held back. The wire schema and the pure rules live here: when a silence is
 * in effect, what it matches, and when its state next changes.
 */
import { z } from "zod";
import type { AlertView } from "./notification.js";
import { SILENCE_MATCHER_NAMES, type SilenceMatcherName } from "./silence-matcher-names.js";

export { SILENCE_MATCHER_NAMES, type SilenceMatcherName } from "./silence-matcher-names.js";

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEK_S = 7 * 86_400;
/** How far a silence may reach: a year. */
const MAX_SPAN_S = 365 * 86_400;

/** An instant with its zone, as ISO 8601 writes it: `2026-12-01T22:00:00Z`, `2026-12-01T23:00+01:00`. */
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const InstantSchema = z
  .string()
  .refine((value) => INSTANT_PATTERN.test(value) && !Number.isNaN(Date.parse(value)), {
    message: "must be an ISO 8601 instant with its zone, e.g. 2026-12-01T22:00:00Z",
  });

/** Whether Intl knows the zone (`UTC`, `Europe/Berlin`, ...). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function enumError(values: readonly string[]) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be one of ${values.join(", ")}`) };
}

export const SilenceMatcherSchema = z
  .object({
    name: z.enum(SILENCE_MATCHER_NAMES, enumError(SILENCE_MATCHER_NAMES)),
    value: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters"),
    /** `*` stands for any run of characters and `?` for one; otherwise the value must be equal. */
    glob: z.boolean().default(false),
  })
  .strict();
export type SilenceMatcher = z.output<typeof SilenceMatcherSchema>;

export const MaintenanceWindowSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS, enumError(WEEKDAYS)))
      .min(1, "must name at least one day (sun, mon, tue, wed, thu, fri, sat)")
      .max(7, "must name each day at most once")
      .refine((days) => new Set(days).size === days.length, "must name each day at most once"),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time of day as HH:MM, 00:00 to 23:59"),
    /** Seconds from `start`. */
    duration: z
      .number()
      .int("must be a whole number of seconds")
      .min(60, "must be at least 60 (a minute)")
      .max(WEEK_S, `must be at most ${WEEK_S} (a week)`),
    time_zone: z.string().default("UTC").refine(isTimeZone, "must be UTC or an IANA time zone such as Europe/Berlin"),
  })
  .strict();
export type MaintenanceWindow = z.output<typeof MaintenanceWindowSchema>;

/** A silence as `POST /api/v1/alerts/silences` takes it. */
export const NewSilenceSchema = z
  .object({
    matchers: z
      .array(SilenceMatcherSchema)
      .min(1, "must name at least one matcher (rule_id, server_id or severity); a silence of everything is not allowed")
      .max(20, "must be at most 20 matchers"),
    /** When it starts; now when left out. */
    starts_at: InstantSchema.optional(),
    ends_at: InstantSchema.optional(),
    /** Seconds from the start, instead of `ends_at`. */
    duration: z
      .number()
      .int("must be a whole number of seconds")
      .min(1, "must be at least 1")
      .max(MAX_SPAN_S, `must be at most ${MAX_SPAN_S} (a year)`)
      .optional(),
    /** A recurring maintenance window: the silence holds only inside it (and between starts_at and ends_at). */
    window: MaintenanceWindowSchema.optional(),
    comment: z.string().trim().min(1, "must say why, e.g. the maintenance being done").max(1000, "must be at most 1000 characters"),
    /** Who creates it, when auth is off; with auth on, the token's name. */
    created_by: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
  })
  .strict()
  .superRefine((silence, ctx) => {
    if (silence.ends_at !== undefined && silence.duration !== undefined) {
      ctx.addIssue({ code: "custom", path: ["duration"], message: "give ends_at or duration, not both" });
    }
    if (silence.ends_at === undefined && silence.duration === undefined && silence.window === undefined) {
      ctx.addIssue({ code: "custom", path: ["ends_at"], message: "is required (or duration, or a recurring window)" });
    }
    if (silence.starts_at !== undefined && silence.ends_at !== undefined && Date.parse(silence.ends_at) <= Date.parse(silence.starts_at)) {
      ctx.addIssue({ code: "custom", path: ["ends_at"], message: "must be after starts_at" });
    }
  });
export type NewSilence = z.output<typeof NewSilenceSchema>;

/** A silence as kept: instants in milliseconds since the epoch. */
export interface Silence {
  id: string;
  matchers: SilenceMatcher[];
  starts_at: number;
  /** null: a recurring window with no end. */
  ends_at: number | null;
  window: MaintenanceWindow | null;
  comment: string;
  created_by: string;
  created_at: number;
}

export type SilenceState = "active" | "pending" | "expired";

/** The latest a silence may end, counted from its start. */
export const MAX_SILENCE_SPAN_MS = MAX_SPAN_S * 1000;

// --- matching ---

const globs = new Map<string, RegExp>();

function globPattern(glob: string): RegExp {
  let pattern = globs.get(glob);
  if (!pattern) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
    pattern = new RegExp(`^${body}$`, "s");
    if (globs.size > 1000) globs.clear();
    globs.set(glob, pattern);
  }
  return pattern;
}

function matcherHolds(matcher: SilenceMatcher, alert: Pick<AlertView, SilenceMatcherName>): boolean {
  const actual = alert[matcher.name];
  return matcher.glob ? globPattern(matcher.value).test(actual) : actual === matcher.value;
}

/** Whether every matcher of the silence holds for the alert. */
export function silenceMatches(silence: Pick<Silence, "matchers">, alert: Pick<AlertView, SilenceMatcherName>): boolean {
  return silence.matchers.every((matcher) => matcherHolds(matcher, alert));
}

// --- time in a zone ---

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The wall-clock reading in the zone at `at`, as if it were UTC (so date arithmetic is plain). */
function wallClock(at: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(at)) if (part.type !== "literal") parts[part.type] = Number(part.value);
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
}

/** The instant at which the zone's clocks read `wall` (a wall-clock reading written as UTC). */
function instantOf(wall: number, zone: string): number {
  const offset = (at: number): number => wallClock(at, zone) - Math.floor(at / MINUTE_MS) * MINUTE_MS;
  // Across a change of offset (summer time) the first guess is an hour off; one correction settles it.
  return wall - offset(wall - offset(wall));
}

/** The window's occurrences that start from about eight days before `at` to eight days after it. */
function occurrencesAround(window: MaintenanceWindow, at: number): { start: number; end: number }[] {
  const [hours, minutes] = window.start.split(":").map(Number) as [number, number];
  const today = Math.floor(wallClock(at, window.time_zone) / DAY_MS) * DAY_MS;
  const reach = Math.ceil((window.duration * 1000) / DAY_MS) + 1;
  const occurrences: { start: number; end: number }[] = [];
  for (let day = today - reach * DAY_MS; day <= today + 8 * DAY_MS; day += DAY_MS) {
    if (!window.days.includes(WEEKDAYS[new Date(day).getUTCDay()]!)) continue;
    const start = instantOf(day + hours * 3_600_000 + minutes * MINUTE_MS, window.time_zone);
    occurrences.push({ start, end: start + window.duration * 1000 });
  }
  return occurrences;
}

// --- state ---

/** Whether the silence holds back notifications at `at`. */
export function silenceInEffect(silence: Silence, at: number): boolean {
  if (at < silence.starts_at || (silence.ends_at !== null && at >= silence.ends_at)) return false;
  if (!silence.window) return true;
  return occurrencesAround(silence.window, at).some((occurrence) => occurrence.start <= at && at < occurrence.end);
}

/** The next instant after `at` at which the silence starts or stops holding; null when it never will again. */
export function nextSilenceChange(silence: Silence, at: number): number | null {
  const { starts_at: from, ends_at: until } = silence;
  if (until !== null && at >= until) return null;
  const candidates: number[] = [];
  if (from > at) candidates.push(from);
  if (until !== null) candidates.push(until);
  if (silence.window) {
    for (const { start, end } of occurrencesAround(silence.window, Math.max(at, from))) {
      for (const edge of [start, end]) if (edge > at && edge > from && (until === null || edge < until)) candidates.push(edge);
    }
  }
  return candidates.length > 0 ? Math.min(...candidates) : null;
}

/** active: holding now; pending: will hold later (not started, or between windows); expired: never again. */
export function silenceState(silence: Silence, at: number): SilenceState {
  if (silenceInEffect(silence, at)) return "active";
  const { starts_at: from, ends_at: until } = silence;
  if (until !== null && at >= until) return "expired";
  if (!silence.window) return "pending";
  const later = occurrencesAround(silence.window, Math.max(at, from)).some(
    ({ start, end }) => end > Math.max(at, from) && (until === null || start < until),
  );
  return later ? "pending" : "expired";
}
