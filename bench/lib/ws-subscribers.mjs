#!/usr/bin/env node
// Helper process (forked, IPC): N WebSocket clients of the daemon's /ws, each subscribed to
// health_updates. For every health_update a client receives it records the delay from the
// update's `at` (the daemon's Date.now() when the check ended) to receipt here, read from the
// same clock (Date.now(), whole ms): performance.timeOrigin is fixed at process start and would
// drift by any step of the system clock during the run.
//
// IPC from the parent: {cmd: "connect", url, count} -> {connected, failed, errors}
//                      {cmd: "reset"} -> {ok}  (forget what was received so far)
//                      {cmd: "collect"} -> {updates: {"<server_id>|<at>|<status>": [delay, ...]}, other}
//                      {cmd: "slow", url, serverIds, subscribes} -> {ok, error?}: one more client that
//                        subscribes to every event, stops reading, then repeats its subscribe
//                        `subscribes` times (see slowSubscriber)
//                      {cmd: "close"} -> closes every client and exits
import WebSocket from "ws";

const clients = [];
const slowClients = [];
/** What arrived since the last reset, unparsed: [receipt time, frame] (parsed at collect). */
let received = [];

/**
 * Only the receipt time is taken on arrival: with 500 clients in one process, parsing 20,000
 * frames a second here would delay the clients behind, and the delay is the daemon's to measure.
 */
function record(data) {
  received.push([Date.now(), data]);
}

function tally() {
  const updates = new Map();
  let other = 0;
  let malformed = 0;
  for (const [at, data] of received) {
    let msg;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      malformed++;
      continue;
    }
    if (msg?.type !== "health_update" || typeof msg.at !== "number") {
      if (msg?.type !== "pong" && msg?.type !== "welcome") other++;
      continue;
    }
    const key = `${msg.server_id}|${msg.at}|${msg.status}`;
    let list = updates.get(key);
    if (!list) updates.set(key, (list = []));
    list.push(at - msg.at);
  }
  return { updates: Object.fromEntries(updates), other, malformed };
}

function openOne(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ ok: false, error: "no subscribe ack in 30 s" });
    }, 30_000);
    let acked = false;
    ws.on("open", () => {
      ws.send(JSON.stringify({ type: "subscribe", events: ["health_updates"] }));
      clients.push(ws);
    });
    ws.on("message", (data) => {
      if (!acked) {
        // Ready once the hub confirms the subscription ({"type":"subscribed",...}).
        let msg;
        try {
          msg = JSON.parse(data.toString());
        } catch {}
        if (msg?.type === "subscribed") {
          acked = true;
          clearTimeout(timer);
          resolve({ ok: true });
          return;
        }
        if (msg?.type === "error") {
          clearTimeout(timer);
          ws.terminate();
          resolve({ ok: false, error: `subscribe refused: ${msg.message ?? JSON.stringify(msg)}` });
          return;
        }
      }
      record(data);
    });
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `HTTP ${res.statusCode} on upgrade` });
    });
    ws.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, error: err.message });
    });
  });
}

async function connect(url, count) {
  let connected = 0;
  let failed = 0;
  const errors = new Set();
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    const results = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => openOne(url)));
    for (const r of results) {
      if (r.ok) connected++;
      else {
        failed++;
        errors.add(r.error);
      }
    }
  }
  return { connected, failed, errors: [...errors].slice(0, 5) };
}

/**
 * A subscriber that stops reading. The stream alone (~14 KB/s for 200 servers) would take minutes
 * to fill the ~4 MB the kernel buffers on loopback before the daemon's own bound is even reached,
 * so once paused it sends the same subscribe (every event, `serverIds` padded to the 1,000-id
 * limit) again and again: each ack lists the filter of every topic (~90 KB), and unread acks fill
 * the buffers in seconds. Its socket is left paused; the daemon is expected to drop it.
 */
function slowSubscriber(url, serverIds, subscribes) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const ids = [...serverIds, ...Array.from({ length: Math.max(0, 1000 - serverIds.length) }, (_, i) => `slow-pad-${i}`)].slice(0, 1000);
    const subscribe = JSON.stringify({ type: "subscribe", events: ["*"], server_ids: ids });
    const timer = setTimeout(() => resolve({ ok: false, error: "slow subscriber: no ack in 15 s" }), 15_000);
    ws.on("open", () => ws.send(subscribe));
    ws.on("message", (data) => {
      if (JSON.parse(data.toString()).type !== "subscribed") return;
      clearTimeout(timer);
      ws.removeAllListeners("message");
      ws._socket.pause();
      for (let i = 0; i < subscribes; i++) ws.send(subscribe);
      slowClients.push(ws);
      resolve({ ok: true });
    });
    ws.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `slow subscriber: ${err.message}` });
    });
  });
}

process.on("message", async (msg) => {
  switch (msg?.cmd) {
    case "connect":
      process.send(await connect(msg.url, msg.count));
      break;
    case "slow":
      process.send(await slowSubscriber(msg.url, msg.serverIds, msg.subscribes));
      break;
    case "reset":
      received = [];
      process.send({ ok: true });
      break;
    case "collect": {
      const open = clients.filter((c) => c.readyState === WebSocket.OPEN).length;
      process.send({ ...tally(), open });
      break;
    }
    case "close":
      for (const c of [...clients, ...slowClients]) c.terminate();
      process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
