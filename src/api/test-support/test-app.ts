/**
 * Builds the real app over the real MCP manager and a real SQLite store in a temporary
 * directory, for the API tests. Servers that must run are the echo fixture from test/fixtures.
 * Requests carry a Host header naming bind.port, as a client of the daemon would send.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterEach } from "vitest";
import { InProcessBus, type MessageBus } from "../../bus/index.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { newId } from "../../core/ids.js";
import { silentLogger } from "../../core/logger.js";
import { GatewayConfigSchema } from "../../config/schema.js";
import { createGateway, type Gateway, type GatewayDeps, type ToolApprovalSettings } from "../../gateway/index.js";
import { createMcpManager, type McpManager } from "../../mcp/index.js";
import { openStore, type OpenStoreOptions, type Store } from "../../store/index.js";
import { buildApp, createAuthServices, type ApiDeps } from "../app.js";
import type { TokenService } from "../auth/token-service.js";

export const TEST_PORT = 8080;
export const TEST_HOST = `127.0.0.1:${TEST_PORT}`;

const ECHO_SERVER = fileURLToPath(new URL("../../../test/fixtures/echo-server.mjs", import.meta.url));

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  manager: McpManager;
  /** The manager's bus (tool_called, server_status, ...). */
  bus: MessageBus;
  tokens: TokenService;
  /** The MCP gateway, when asked for with `gateway`. */
  gateway: Gateway | undefined;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export type TestAppOptions = Partial<Omit<ApiDeps, "manager" | "store" | "gateway">> & {
  /** How the store is opened, e.g. with the test's own handle on the database. */
  storeOptions?: OpenStoreOptions;
  /** Serve the MCP gateway (/mcp) over the app's manager, with these settings (the quarantine's as in a config without a `gateway` section). */
  gateway?: Pick<GatewayDeps, "separator" | "notifyDebounceMs" | "profiles" | "tools"> & { approvals?: ToolApprovalSettings };
};

export async function createTestApp(testOptions: TestAppOptions = {}): Promise<TestApp> {
  const { storeOptions, gateway: gatewayOptions, ...options } = testOptions;
  const dir = mkdtempSync(join(tmpdir(), "pygent-api-"));
  const clock: Clock = options.clock ?? systemClock;
  const store = openStore(dir, clock, storeOptions);
  const bus = new InProcessBus();
  const manager = createMcpManager({ clock, bus, store, logger: silentLogger(), daemonInstance: newId() });
  await manager.start();
  const defaults = GatewayConfigSchema.parse({});
  const gateway = gatewayOptions
    ? createGateway({
        manager,
        bus,
        clock,
        logger: silentLogger(),
        version: "0.0.0-test",
        ...gatewayOptions,
        approvals: {
          repository: store.toolApprovals,
          settings: gatewayOptions.approvals ?? { approveChanges: defaults.approve_changes, maxDescriptionLength: defaults.max_description_length },
        },
      })
    : undefined;
  const deps: ApiDeps = {
    logger: silentLogger(),
    version: "0.0.0-test",
    startedAt: clock.now(),
    bind: { host: "127.0.0.1", port: TEST_PORT },
    ...options,
    clock,
    store,
    manager,
    ...(gateway ? { gateway } : {}),
  };
  const auth = createAuthServices(deps);
  const app = await buildApp({ ...deps, ...auth });
  return {
    app,
    store,
    bus,
    manager,
    tokens: auth.tokens,
    gateway,
    request: (inject) => app.inject({ ...inject, headers: { host: TEST_HOST, ...inject.headers } }),
    async close() {
      await app.close();
      await gateway?.close();
      await manager.stop();
      bus.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** For a test file whose tests each build their own app: the returned function builds one, closed after the test. */
export function appPerTest(): (options?: TestAppOptions) => Promise<TestApp> {
  let current: TestApp | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (options = {}) => {
    current = await createTestApp(options);
    return current;
  };
}

/** A server entry running the echo fixture (tools `echo` and `add`). */
export function echoEntry(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    command: [process.execPath, ECHO_SERVER],
    startup_timeout: 10,
    shutdown_timeout: 2,
    restart_backoff_initial: 0.1,
    restart_backoff_max: 0.5,
    ...extra,
  };
}

/** Fails when a body looks like it carries a stack trace. */
export function assertNoStack(body: string): void {
  if (/\bat .+:\d+:\d+\)?/.test(body) || body.includes('"stack"')) {
    throw new Error(`response carries a stack trace: ${body}`);
  }
}
