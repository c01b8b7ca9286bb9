// The channel registry: one definition per type, and channel config checked field by field.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InProcessBus } from "../bus/bus.js";
import { AlertChannelEntrySchema } from "../config/alerts-schema.js";
import { ManualClock } from "../core/clock.js";
import { isAppError } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import { defineChannel, type ChannelContext } from "./channel.js";
import { BUILTIN_CHANNELS, buildChannels, ChannelRegistry } from "./channel-registry.js";

const base: Omit<ChannelContext, "id" | "field"> = {
  clock: new ManualClock(),
  logger: silentLogger(),
  bus: new InProcessBus(),
  environment: { HOOK_SECRET: "s3cret" },
  callbacks: new Set(),
};

const entries = (raw: unknown[]) => raw.map((entry) => AlertChannelEntrySchema.parse(entry));

function issuesOf(run: () => unknown): { field: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (isAppError(error) && error.code === "CONFIG_INVALID") return (error.details as { issues: { field: string; message: string }[] }).issues;
    throw error;
  }
  throw new Error("expected CONFIG_INVALID");
}

describe("alert channel registry", () => {
  it("has one built-in definition per type", () => {
    const types = BUILTIN_CHANNELS.map((definition) => definition.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types.sort()).toEqual(["callback", "email", "webhook", "websocket"]);
    expect(() => new ChannelRegistry()).not.toThrow();
  });

  it("refuses two definitions with the same type", () => {
    const twin = defineChannel({
      type: "webhook",
      delivery: "grouped",
      schema: z.object({}).strict(),
      create: (_config, context) => ({ id: context.id, send: async () => {} }),
    });
    expect(() => new ChannelRegistry([...BUILTIN_CHANNELS, twin])).toThrow(/duplicate alert channel type "webhook"/);
  });

  it("builds channels with ids from their type, and the delivery their type declares", () => {
    const built = buildChannels(
      entries([
        { type: "websocket" },
        { type: "webhook", url: "http://127.0.0.1:9/a", secret: "${HOOK_SECRET}" },
        { type: "webhook", url: "http://127.0.0.1:9/b", delivery: "immediate", min_severity: "critical" },
        { type: "webhook", id: "pager", url: "http://127.0.0.1:9/c", enabled: false },
      ]),
      new ChannelRegistry(),
      base,
    );
    expect(built.map((item) => [item.channel.id, item.delivery, item.min_severity])).toEqual([
      ["websocket", "immediate", "info"],
      ["webhook", "grouped", "info"],
      ["webhook-2", "immediate", "critical"],
    ]);
  });

  it("names every bad field, unknown type and unset variable in one error", () => {
    const issues = issuesOf(() =>
      buildChannels(
        entries([
          { type: "pager" },
          { type: "webhook", url: "ftp://x", retries: -1 },
          { type: "email", host: "", to: [] , from: "a@b.c", extra: 1 },
          { type: "webhook", url: "http://127.0.0.1:9/", secret: "${NOT_SET_ANYWHERE}" },
        ]),
        new ChannelRegistry(),
        base,
      ),
    );
    const fields = issues.map((issue) => issue.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "alerts.channels[0].type",
        "alerts.channels[1].url",
        "alerts.channels[1].retries",
        "alerts.channels[2].host",
        "alerts.channels[2].to",
        "alerts.channels[3].secret",
      ]),
    );
    expect(issues.find((issue) => issue.field === "alerts.channels[0].type")?.message).toMatch(/unknown channel type "pager" \(known: /);
    expect(issues.find((issue) => issue.field === "alerts.channels[3].secret")?.message).toBe("environment variable NOT_SET_ANYWHERE is not set");
    expect(issues.some((issue) => issue.message.includes('unknown field "extra"'))).toBe(true);
  });

  it("refuses two channels with the same id", () => {
    const issues = issuesOf(() =>
      buildChannels(entries([{ type: "websocket", id: "x" }, { type: "callback", id: "x" }]), new ChannelRegistry(), base),
    );
    expect(issues).toEqual([{ field: "alerts.channels[1].id", message: "duplicate id, already used by alerts.channels[0]" }]);
  });
});
