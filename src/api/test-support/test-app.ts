/**
 * Builds the real app over a real SQLite store in a temporary directory, for the API tests.
 * Requests carry a Host header naming bind.port, as a client of the daemon would send.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { systemClock, type Clock } from "../../core/clock.js";
import { silentLogger } from "../../core/logger.js";
import type { McpManager } from "../../mcp/manager-types.js";
import { openStore, type Store } from "../../store/index.js";
import { buildApp, type ApiDeps } from "../app.js";
import { createTokenService, type TokenService } from "../auth/token-service.js";
import { FakeManager } from "./fake-manager.js";

export const TEST_PORT = 8080;
export const TEST_HOST = `127.0.0.1:${TEST_PORT}`;

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  /** The temporary scaffold (fake-manager.ts) unless `options.manager` gives another. */
  manager: McpManager;
  tokens: TokenService;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestAppOptions extends Partial<Omit<ApiDeps, "manager" | "store">> {
  clock?: Clock;
  /** Builds the manager under test; the fake by default (switch to the real one when it exists). */
  manager?: (store: Store, clock: Clock) => McpManager;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "pygent-api-"));
  const clock = options.clock ?? systemClock;
  const store = openStore(dir, clock);
  const manager = options.manager ? options.manager(store, clock) : new FakeManager(store.serverEvents, clock);
  const tokens = createTokenService(store.tokens, clock);
  const app = await buildApp({
    logger: silentLogger(),
    version: "0.0.0-test",
    startedAt: clock.now(),
    bind: { host: "127.0.0.1", port: TEST_PORT },
    rateLimit: false,
    ...options,
    clock,
    store,
    manager,
    tokens,
  });
  return {
    app,
    store,
    manager,
    tokens,
    request: (inject) => app.inject({ ...inject, headers: { host: TEST_HOST, ...inject.headers } }),
    async close() {
      await app.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A stdio server entry that validates (nothing is spawned by the fake manager). */
export function stdioEntry(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, command: ["node", "server.js"], ...extra };
}

/** Fails when a body looks like it carries a stack trace. */
export function assertNoStack(body: string): void {
  if (/\bat .+:\d+:\d+\)?/.test(body) || body.includes("\"stack\"")) {
    throw new Error(`response carries a stack trace: ${body}`);
  }
}
