// Custom dashboard layouts through the real app and store: saved, listed, replaced and deleted,
// kept across a reopen of the store, bad panels refused by field, writes for operators only.
import { describe, expect, it } from "vitest";
import { appPerTest } from "../src/api/test-support/test-app.js";

const app = appPerTest();
const url = "/api/v1/dashboards";

const LAYOUT = {
  name: "On call",
  panels: [
    { id: "grid", kind: "status_grid", position: { x: 0, y: 0, w: 12, h: 3 } },
    { id: "latency", kind: "metric_chart", title: "Latency", metric: "response_time_ms", server_ids: ["everything", "memory"], range: "24h", position: { x: 0, y: 3, w: 8, h: 4 } },
    { id: "alerts", kind: "alert_list", position: { x: 8, y: 3, w: 4, h: 4 } },
  ],
};

describe("dashboard layouts over the API", () => {
  it("saves a layout, lists it with its panels' defaults filled in, replaces it and deletes it", async () => {
    const t = await app();
    const created = await t.request({ method: "POST", url, payload: LAYOUT });
    expect(created.statusCode).toBe(201);
    const layout = created.json();
    expect(layout).toMatchObject({ name: "On call", created_by: "local" });
    expect(layout.panels[2]).toEqual({ id: "alerts", kind: "alert_list", state: "firing", limit: 20, position: { x: 8, y: 3, w: 4, h: 4 } });

    const listed = await t.request({ method: "GET", url });
    expect(listed.json().layouts.map((each: { id: string }) => each.id)).toEqual([layout.id]);

    const replaced = await t.request({ method: "PUT", url: `${url}/${layout.id}`, payload: { name: "Night shift", panels: [LAYOUT.panels[0]] } });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ id: layout.id, name: "Night shift", created_at: layout.created_at });
    expect(replaced.json().panels).toHaveLength(1);
    expect((await t.request({ method: "GET", url: `${url}/${layout.id}` })).json().name).toBe("Night shift");

    expect((await t.request({ method: "DELETE", url: `${url}/${layout.id}` })).statusCode).toBe(204);
    expect((await t.request({ method: "GET", url: `${url}/${layout.id}` })).statusCode).toBe(404);
    expect((await t.request({ method: "DELETE", url: `${url}/${layout.id}` })).statusCode).toBe(404);
  });

  it("refuses bad panels with a 400 naming the field, and keeps what was stored", async () => {
    const t = await app();
    const kept = (await t.request({ method: "POST", url, payload: LAYOUT })).json();
    const cases: [unknown, string][] = [
      [{ ...LAYOUT, panels: [{ ...LAYOUT.panels[0], position: { x: 6, y: 0, w: 8, h: 2 } }] }, "panels[0].position.w"],
      [{ ...LAYOUT, panels: [{ ...LAYOUT.panels[1], server_ids: [] }] }, "panels[0].server_ids"],
      [{ ...LAYOUT, panels: [{ ...LAYOUT.panels[1], metric: "mood" }] }, "panels[0].metric"],
      [{ ...LAYOUT, panels: [LAYOUT.panels[0], LAYOUT.panels[0]] }, "panels[1].id"],
      [{ ...LAYOUT, panels: [{ ...LAYOUT.panels[0], kind: "pie" }] }, "panels[0].kind"],
      [{ ...LAYOUT, name: " " }, "name"],
    ];
    for (const [payload, field] of cases) {
      const refused = await t.request({ method: "PUT", url: `${url}/${kept.id}`, payload: payload as Record<string, unknown> });
      expect(refused.statusCode, field).toBe(400);
      expect(refused.json().error.details.issues.map((issue: { field: string }) => issue.field), field).toContain(field);
    }
    expect((await t.request({ method: "GET", url: `${url}/${kept.id}` })).json()).toEqual(kept);
  });

  it("lets a viewer read layouts but only an operator save them", async () => {
    const t = await app();
    const viewer = await t.tokens.create("wall", "viewer");
    const operator = await t.tokens.create("ops", "operator");
    const refused = await t.request({ method: "POST", url, headers: { authorization: `Bearer ${viewer.token}` }, payload: LAYOUT });
    expect(refused.statusCode).toBe(403);
    const saved = await t.request({ method: "POST", url, headers: { authorization: `Bearer ${operator.token}` }, payload: LAYOUT });
    expect(saved.json().created_by).toBe("ops");
    const read = await t.request({ method: "GET", url, headers: { authorization: `Bearer ${viewer.token}` } });
    expect(read.json().layouts).toHaveLength(1);
  });
});
