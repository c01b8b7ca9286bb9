/** A client's subscriptions: topics, per-server filters, and what the acks report. */
import { describe, expect, it } from "vitest";
import { MAX_FILTER_IDS, Subscriptions } from "./subscriptions.js";

describe("subscriptions", () => {
  it("receives nothing until subscribed, everything of a topic without a filter", () => {
    const subs = new Subscriptions();
    expect(subs.wants("health_updates", "a")).toBe(false);
    subs.add(["health_updates"], null);
    expect(subs.wants("health_updates", "a")).toBe(true);
    expect(subs.wants("logs", "a")).toBe(false);
    expect(subs.view()).toEqual({ events: ["health_updates"], server_ids: {} });
  });

  it("filters a topic by server and widens the filter on a later subscribe", () => {
    const subs = new Subscriptions();
    subs.add(["logs"], ["a"]);
    expect(subs.wants("logs", "a")).toBe(true);
    expect(subs.wants("logs", "b")).toBe(false);
    // An event about no one server (the config file's) is not held back by a server filter.
    expect(subs.wants("logs", null)).toBe(true);
    subs.add(["logs"], ["b"]);
    expect(subs.view()).toEqual({ events: ["logs"], server_ids: { logs: ["a", "b"] } });
    subs.add(["logs"], null);
    expect(subs.wants("logs", "z")).toBe(true);
    // An unfiltered topic stays unfiltered when ids are added.
    subs.add(["logs"], ["c"]);
    expect(subs.wants("logs", "z")).toBe(true);
  });

  it("unsubscribes a topic, or narrows a filtered one and drops it when empty", () => {
    const subs = new Subscriptions();
    subs.add(["logs", "alerts"], ["a", "b"]);
    subs.remove(["logs"], ["a"]);
    expect(subs.wants("logs", "a")).toBe(false);
    expect(subs.wants("logs", "b")).toBe(true);
    subs.remove(["logs"], ["b"]);
    expect(subs.view().events).toEqual(["alerts"]);
    subs.remove(["alerts"], null);
    expect(subs.view()).toEqual({ events: [], server_ids: {} });
  });

  it("refuses a filter past the bound and changes nothing", () => {
    const subs = new Subscriptions();
    const ids = Array.from({ length: MAX_FILTER_IDS }, (_, i) => `s${i}`);
    expect(subs.add(["logs"], ids)).toBe(true);
    expect(subs.add(["logs"], ["one-more"])).toBe(false);
    expect(subs.wants("logs", "one-more")).toBe(false);
    expect(subs.add(["logs"], ["s1"])).toBe(true);
  });
});
