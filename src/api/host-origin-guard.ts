/**
 * DNS-rebinding and cross-site protection: a request must name this daemon in its Host header,
 * and a browser request must come from this daemon's own origin or one the operator allowed.
 * The same rule the MCP SDK applies to its HTTP servers, applied to every route here.
 *
 * The port in the rule is the one the server really listens on (tests listen on port 0). Before
 * the app listens (`app.inject()`), it is `bind.port`: inject-based callers send a Host header
 * naming that port, exactly as a real client would. There is no exemption for injected requests.
 */
import type { FastifyInstance } from "fastify";
import { AppError } from "../core/errors.js";

export interface HostPolicy {
  /** The address the daemon binds to; its name is accepted besides the loopback names. */
  bindHost: string;
  /** Extra names (`host` or `host:port`) the daemon answers to, e.g. behind a reverse proxy. */
  allowedHosts: readonly string[];
  /** Origins (`scheme://host[:port]`) besides the daemon's own that may call it from a browser. */
  allowedOrigins: readonly string[];
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** IPv6 literals appear bracketed in Host headers and origins. */
function asHostName(host: string): string {
  const lower = host.toLowerCase();
  return lower.includes(":") && !lower.startsWith("[") ? `[${lower}]` : lower;
}

function withPort(name: string, port: number, into: Set<string>): void {
  into.add(`${name}:${port}`);
  // Clients omit the default port, and URL parsing drops it from origins.
  if (port === 80) into.add(name);
}

/** Every Host header value accepted on this port, lower-cased. */
export function allowedHostValues(policy: HostPolicy, port: number): Set<string> {
  const values = new Set<string>();
  for (const name of [...LOOPBACK_NAMES, asHostName(policy.bindHost)]) withPort(name, port, values);
  for (const entry of policy.allowedHosts) {
    const lower = entry.toLowerCase();
    if (/:\d+$/.test(lower)) values.add(lower);
    else withPort(asHostName(lower), port, values);
  }
  return values;
}

/** Whether a Host header is one of `accepted` (allowedHostValues). */
export function hostAllowed(host: string | undefined, accepted: ReadonlySet<string>): boolean {
  if (!host) return false;
  return accepted.has(host.toLowerCase());
}

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

/** Whether a browser origin is listed in the policy or is the daemon's own (a host in `accepted`, over http). */
export function originAllowed(origin: string, policy: HostPolicy, accepted: ReadonlySet<string>): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the literal "null" origin of sandboxed and file pages
  }
  if (policy.allowedOrigins.some((allowed) => originOf(allowed) === url.origin)) return true;
  return url.protocol === "http:" && accepted.has(url.host.toLowerCase());
}

/** The port clients reach the server on: the listening one, or `fallback` before listen. */
export function listeningPort(app: FastifyInstance, fallback: number): number {
  const address = app.server.address();
  return address && typeof address === "object" ? address.port : fallback;
}

export function registerHostOriginGuard(app: FastifyInstance, policy: HostPolicy, bindPort: number): void {
  // Once the server listens its port is fixed: the accepted hosts are worked out once, rather than
  // an address() syscall and a new set on every request.
  let whileListening: ReadonlySet<string> | undefined;
  const acceptedHosts = (): ReadonlySet<string> => {
    if (whileListening) return whileListening;
    const accepted = allowedHostValues(policy, listeningPort(app, bindPort));
    if (app.server.listening) whileListening = accepted;
    return accepted;
  };
  app.addHook("onRequest", async (request) => {
    const accepted = acceptedHosts();
    if (!hostAllowed(request.headers.host, accepted)) {
      throw new AppError("HOST_NOT_ALLOWED", undefined, { host: request.headers.host ?? null });
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !originAllowed(origin, policy, accepted)) {
      throw new AppError("ORIGIN_NOT_ALLOWED", undefined, { origin });
    }
  });
}
