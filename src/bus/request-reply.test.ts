import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { isAppError } from "../core/errors.js";
import { DEAD_LETTER_CAP, RequestReply } from "./request-reply.js";

function codeOf(error: unknown): string | undefined {
  return isAppError(error) ? error.code : undefined;
}

describe("request/reply on the bus", () => {
  it("delivers a request to its subject's responder and resolves with the reply, correlated", async () => {
    const bus = new RequestReply(new ManualClock());
    const seen: string[] = [];
    bus.respond("agent.researcher.ask", (request) => {
      seen.push(`${request.from}:${request.correlation_id}`);
      return { answer: `you asked ${(request.payload as { q: string }).q}` };
    });
    const [first, second] = await Promise.all([
      bus.request("agent.researcher.ask", { q: "one" }, { from: "agent:a" }),
      bus.request("agent.researcher.ask", { q: "two" }, { from: "agent:b" }),
    ]);
    expect(first).toEqual({ answer: "you asked one" });
    expect(second).toEqual({ answer: "you asked two" });
    expect(new Set(seen.map((each) => each.split(":").at(-1))).size).toBe(2);
    expect(bus.metrics()).toMatchObject({ requests: 2, replies: 2, in_flight: 0, dead_letters: 0 });
  });

  it("refuses a subject nobody answers, and keeps it as a dead letter", async () => {
    const bus = new RequestReply(new ManualClock());
    const error = await bus.request("agent.nobody.ask", {}, { from: "agent:a" }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe("BUS_NO_RESPONDER");
    expect(bus.deadLetterLog()).toEqual([expect.objectContaining({ subject: "agent.nobody.ask", from: "agent:a", reason: "no_responder" })]);
    expect(bus.metrics().no_responder).toBe(1);
  });

  it("times out a slow responder by the clock, and a reply after that is a late dead letter", async () => {
    const clock = new ManualClock();
    const bus = new RequestReply(clock);
    let answer!: (value: unknown) => void;
    bus.respond("slow.ask", () => new Promise((resolve) => (answer = resolve)));
    const pending = bus.request("slow.ask", {}, { from: "agent:a", timeoutMs: 5_000 }).catch((e: unknown) => e);
    await Promise.resolve();
    clock.advance(4_999);
    expect(bus.metrics().in_flight).toBe(1);
    clock.advance(1);
    expect(codeOf(await pending)).toBe("BUS_TIMEOUT");
    answer("too late");
    await new Promise((resolve) => setImmediate(resolve));
    expect(bus.deadLetterLog().map((letter) => letter.reason)).toEqual(["timeout", "late_reply"]);
    expect(bus.metrics()).toMatchObject({ timeouts: 1, late_replies: 1, in_flight: 0, replies: 0 });
  });

  it("passes a responder's failure back to the asker by name", async () => {
    const bus = new RequestReply(new ManualClock());
    bus.respond("broken.ask", () => {
      throw new Error("the model is offline");
    });
    const error = await bus.request("broken.ask", {}, { from: "agent:a" }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe("BUS_RESPONDER_FAILED");
    expect((error as Error).message).toContain("the model is offline");
    expect(bus.deadLetterLog()[0]).toMatchObject({ reason: "responder_failed", detail: "the model is offline" });
  });

  it("allows one responder per subject, frees the subject on unsubscribe, and names a bad subject", async () => {
    const bus = new RequestReply(new ManualClock());
    const stop = bus.respond("agent.a.ask", () => 1);
    expect(() => bus.respond("agent.a.ask", () => 2)).toThrow(/already has a responder/);
    stop();
    expect(bus.subjects()).toEqual([]);
    bus.respond("agent.a.ask", () => 2);
    expect(await bus.request("agent.a.ask", null, { from: "x" })).toBe(2);
    expect(() => bus.respond("has space", () => 0)).toThrow(/subject "has space"/);
  });

  it("keeps only the newest dead letters", async () => {
    const bus = new RequestReply(new ManualClock());
    for (let i = 0; i < DEAD_LETTER_CAP + 5; i++) await bus.request(`none.${i}`, {}, { from: "x" }).catch(() => undefined);
    const log = bus.deadLetterLog();
    expect(log).toHaveLength(DEAD_LETTER_CAP);
    expect(log[0]!.subject).toBe("none.5");
    expect(bus.metrics().no_responder).toBe(DEAD_LETTER_CAP + 5);
  });
});
