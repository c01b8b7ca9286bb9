// What a silence matches and when it holds: exact and glob matchers, one stretch of time, and
// recurring maintenance windows in UTC and in a named zone across a change to summer time.
import { describe, expect, it } from "vitest";
import { MaintenanceWindowSchema, NewSilenceSchema, nextSilenceChange, silenceInEffect, silenceMatches, silenceState, type Silence } from "./silences.js";

const at = (iso: string): number => Date.parse(iso);

function silence(fields: Partial<Silence>): Silence {
  return {
    id: "s1",
    matchers: [{ name: "server_id", value: "web", glob: false }],
    starts_at: at("2026-03-01T00:00:00Z"),
    ends_at: at("2026-04-30T00:00:00Z"),
    window: null,
    comment: "maintenance",
    created_by: "ops",
    created_at: at("2026-03-01T00:00:00Z"),
    ...fields,
  };
}

const alert = { rule_id: "server-offline", server_id: "web-1", severity: "critical" as const };

describe("silence matchers", () => {
  it("match exactly, or as a glob where * is any run and ? one character; every matcher must hold", () => {
    expect(silenceMatches({ matchers: [{ name: "server_id", value: "web-1", glob: false }] }, alert)).toBe(true);
    expect(silenceMatches({ matchers: [{ name: "server_id", value: "web", glob: false }] }, alert)).toBe(false);
    expect(silenceMatches({ matchers: [{ name: "server_id", value: "web-*", glob: true }] }, alert)).toBe(true);
    expect(silenceMatches({ matchers: [{ name: "server_id", value: "web-?", glob: true }] }, alert)).toBe(true);
    expect(silenceMatches({ matchers: [{ name: "server_id", value: "web.*", glob: true }] }, alert)).toBe(false);
    expect(silenceMatches({ matchers: [{ name: "server_id", value: "web-*", glob: false }] }, alert)).toBe(false);
    const both = [
      { name: "server_id" as const, value: "web-*", glob: true },
      { name: "severity" as const, value: "warning", glob: false },
    ];
    expect(silenceMatches({ matchers: both }, alert)).toBe(false);
    expect(silenceMatches({ matchers: both }, { ...alert, severity: "warning" })).toBe(true);
  });
});

describe("a silence of one stretch", () => {
  it("is pending before its start, active until its end, then expired", () => {
    const one = silence({ starts_at: at("2026-03-02T10:00:00Z"), ends_at: at("2026-03-02T12:00:00Z") });
    expect(silenceState(one, at("2026-03-02T09:59:59Z"))).toBe("pending");
    expect(nextSilenceChange(one, at("2026-03-02T09:00:00Z"))).toBe(at("2026-03-02T10:00:00Z"));
    expect(silenceState(one, at("2026-03-02T10:00:00Z"))).toBe("active");
    expect(nextSilenceChange(one, at("2026-03-02T10:00:00Z"))).toBe(at("2026-03-02T12:00:00Z"));
    expect(silenceState(one, at("2026-03-02T12:00:00Z"))).toBe("expired");
    expect(nextSilenceChange(one, at("2026-03-02T12:00:00Z"))).toBeNull();
  });
});

describe("a recurring maintenance window", () => {
  // 2026-03-07 is a Saturday.
  const saturdayNights = MaintenanceWindowSchema.parse({ days: ["sat"], start: "22:00", duration: 4 * 3600 });

  it("holds inside each occurrence only, past midnight into the next day, in UTC by default", () => {
    const weekly = silence({ window: saturdayNights });
    expect(silenceInEffect(weekly, at("2026-03-07T21:59:00Z"))).toBe(false);
    expect(silenceState(weekly, at("2026-03-07T21:59:00Z"))).toBe("pending");
    expect(nextSilenceChange(weekly, at("2026-03-07T12:00:00Z"))).toBe(at("2026-03-07T22:00:00Z"));
    expect(silenceInEffect(weekly, at("2026-03-07T22:00:00Z"))).toBe(true);
    expect(silenceInEffect(weekly, at("2026-03-08T01:59:00Z"))).toBe(true);
    expect(nextSilenceChange(weekly, at("2026-03-08T01:00:00Z"))).toBe(at("2026-03-08T02:00:00Z"));
    expect(silenceInEffect(weekly, at("2026-03-08T02:00:00Z"))).toBe(false);
    expect(nextSilenceChange(weekly, at("2026-03-08T02:00:00Z"))).toBe(at("2026-03-14T22:00:00Z"));
    expect(silenceInEffect(weekly, at("2026-03-14T23:00:00Z"))).toBe(true);
  });

  it("follows a named zone's clock across the change to summer time", () => {
    const berlin = silence({ window: { ...saturdayNights, start: "03:00", duration: 3600, time_zone: "Europe/Berlin" } });
    // Winter (UTC+1): 03:00 in Berlin is 02:00 UTC.
    expect(silenceInEffect(berlin, at("2026-03-21T02:30:00Z"))).toBe(true);
    expect(silenceInEffect(berlin, at("2026-03-21T03:30:00Z"))).toBe(false);
    // Summer time begins on 29 March; from 4 April (UTC+2) 03:00 in Berlin is 01:00 UTC.
    expect(silenceInEffect(berlin, at("2026-04-04T01:30:00Z"))).toBe(true);
    expect(silenceInEffect(berlin, at("2026-04-04T02:30:00Z"))).toBe(false);
    expect(nextSilenceChange(berlin, at("2026-03-30T00:00:00Z"))).toBe(at("2026-04-04T01:00:00Z"));
  });

  it("is expired once no occurrence is left before its end, and holds nothing outside starts_at/ends_at", () => {
    const short = silence({ window: saturdayNights, ends_at: at("2026-03-10T00:00:00Z") });
    expect(silenceState(short, at("2026-03-08T03:00:00Z"))).toBe("expired");
    const clipped = silence({ window: saturdayNights, starts_at: at("2026-03-07T23:00:00Z") });
    expect(silenceInEffect(clipped, at("2026-03-07T22:30:00Z"))).toBe(false);
    expect(nextSilenceChange(clipped, at("2026-03-07T22:30:00Z"))).toBe(at("2026-03-07T23:00:00Z"));
    const open = silence({ window: saturdayNights, ends_at: null });
    expect(silenceState(open, at("2030-01-01T00:00:00Z"))).toBe("pending");
  });
});

describe("the silence schema", () => {
  const problems = (input: unknown) => {
    const result = NewSilenceSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  };
  const base = { matchers: [{ name: "server_id", value: "web" }], comment: "deploy", duration: 3600 };

  it("names the field of each problem", () => {
    expect(problems(base)).toEqual([]);
    expect(problems({ ...base, matchers: [] })).toEqual([expect.stringMatching(/^matchers: must name at least one matcher/)]);
    expect(problems({ ...base, matchers: [{ name: "host", value: "web" }] })).toEqual(["matchers.0.name: must be one of rule_id, server_id, severity"]);
    expect(problems({ ...base, duration: undefined, starts_at: "2026-03-02T12:00:00Z", ends_at: "2026-03-02T10:00:00Z" })).toEqual(["ends_at: must be after starts_at"]);
    expect(problems({ ...base, ends_at: "2026-03-02T10:00:00Z" })).toEqual(["duration: give ends_at or duration, not both"]);
    expect(problems({ ...base, duration: undefined })).toEqual(["ends_at: is required (or duration, or a recurring window)"]);
    expect(problems({ ...base, starts_at: "tomorrow" })).toEqual(["starts_at: must be an ISO 8601 instant with its zone, e.g. 2026-12-01T22:00:00Z"]);
    expect(problems({ ...base, starts_at: "2026-03-02T10:00:00" })).toHaveLength(1);
    expect(problems({ ...base, comment: "  " })).toEqual(["comment: must say why, e.g. the maintenance being done"]);
    expect(problems({ ...base, window: { days: ["sat"], start: "22:00", duration: 8 * 86_400 } })).toEqual(["window.duration: must be at most 604800 (a week)"]);
    expect(problems({ ...base, window: { days: ["sat"], start: "24:00", duration: 60, time_zone: "Mars/Olympus" } })).toEqual([
      "window.start: must be a time of day as HH:MM, 00:00 to 23:59",
      "window.time_zone: must be UTC or an IANA time zone such as Europe/Berlin",
    ]);
  });
});
