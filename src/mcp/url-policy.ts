/**
 * The network policy for remote MCP servers added through the API or installed from the
 * catalog: a guard against server-side request forgery, where a URL someone hands the daemon
 * makes it reach what only the daemon can reach (a cloud metadata service, a database on the
 * private network, an admin page on loopback).
 *
 * - Only http and https, and no credentials in the URL.
 * - Every address the host resolves to is checked, not just the first, because the HTTP client
 *   may pick any of them. IPv4 addresses carried inside IPv6 (mapped `::ffff:7f00:1`,
 *   compatible, NAT64, 6to4) are unwrapped and judged as the IPv4 address they reach.
 * - Cloud metadata addresses are refused always; loopback and private ranges only when the
 *   config's `network` section allows them; multicast and reserved ranges always.
 *
 * Servers written in the config file are the operator's own and are not checked (the manager
 * applies the guard to API-registered servers only). A remaining gap: between our lookup and the
 * HTTP client's own, DNS could answer differently (rebinding). Each request is checked again,
 * which narrows the window but cannot close it without pinning the address in the client.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { AppError } from "../core/errors.js";

export interface NetworkPolicy {
  allow_loopback: boolean;
  allow_private: boolean;
}

/** The policy when the config says nothing: public addresses only. */
export const STRICT_NETWORK_POLICY: NetworkPolicy = Object.freeze({ allow_loopback: false, allow_private: false });

/** Every refusal's message starts with this, so a failed start can be told apart from other failures. */
export const URL_POLICY_REFUSAL = "refused by the network policy";

export type AddressKind = "metadata" | "loopback" | "private" | "reserved" | "public";

export interface AddressClass {
  kind: AddressKind;
  /** The address judged: the IPv4 address an IPv4-in-IPv6 form carries, else the address itself. */
  effective: string;
}

/** Resolves a host name to every address it has; `dns.lookup(host, {all: true})` by default. */
export type HostLookup = (hostname: string) => Promise<string[]>;

/** Checks one URL before a request; throws URL_NOT_ALLOWED (an AppError) when refused. */
export type UrlGuard = (url: URL) => Promise<void>;

const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata.goog", "metadata"]);
/** AWS/GCP/Azure (169.254.169.254), AWS ECS task metadata (169.254.170.2), Alibaba (100.100.100.200). */
const METADATA_V4 = new Set(["169.254.169.254", "169.254.170.2", "100.100.100.200"]);
/** AWS's IPv6 instance metadata endpoint. */
const METADATA_V6 = "fd00:ec2:0:0:0:0:0:254";

interface Range {
  base: number;
  bits: number;
}

function v4Range(cidr: string): Range {
  const [address = "", bits = "32"] = cidr.split("/");
  return { base: ipv4ToInt(address)!, bits: Number(bits) };
}

const LOOPBACK_V4 = [v4Range("127.0.0.0/8")];
const PRIVATE_V4 = [
  "0.0.0.0/8", // "this network"; 0.0.0.0 reaches the local host on Linux
  "10.0.0.0/8",
  "100.64.0.0/10", // carrier-grade NAT
  "169.254.0.0/16", // link-local
  "172.16.0.0/12",
  "192.0.0.0/24", // IETF protocol assignments
  "192.168.0.0/16",
  "198.18.0.0/15", // benchmarking
  // Documentation ranges (RFC 5737): never routed publicly, so a host answering there is local.
  "192.0.2.0/24",
  "198.51.100.0/24",
  "203.0.113.0/24",
].map(v4Range);
const RESERVED_V4 = ["224.0.0.0/4", "240.0.0.0/4"].map(v4Range);

function ipv4ToInt(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4) return undefined;
  let out = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out = out * 256 + n;
  }
  return out;
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function inRange(n: number, range: Range): boolean {
  if (range.bits === 0) return true;
  const size = 2 ** (32 - range.bits);
  return Math.floor(n / size) === Math.floor(range.base / size);
}

/** An IPv6 address as eight 16-bit groups; undefined when it is not one. */
function parseIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  if (isIP(text) !== 6) return undefined;
  let tail: number[] = [];
  // A trailing dotted quad ("::ffff:127.0.0.1") stands for the last two groups.
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = ipv4ToInt(last);
    if (v4 === undefined) return undefined;
    tail = [v4 >>> 16, v4 & 0xffff];
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    for (const group of part.split(":")) {
      if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0] ?? "");
  const rest = groupsOf(halves[1] ?? "");
  if (!head || !rest) return undefined;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1) return known === 8 ? [...head, ...tail] : undefined;
  if (known > 7) return undefined;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
}

function groupsToText(groups: number[]): string {
  return groups.map((g) => g.toString(16)).join(":");
}

/** The IPv4 address an IPv6 address carries (mapped, translated, compatible, NAT64, 6to4), if any. */
function embeddedIpv4(groups: number[]): number | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const low = g6 * 65536 + g7;
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstFiveZero && g5 === 0xffff) return low; // ::ffff:a.b.c.d, mapped
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) return low; // ::ffff:0:a.b.c.d, translated
  if (firstFiveZero && g5 === 0 && low > 1) return low; // ::a.b.c.d, compatible (deprecated); not :: or ::1
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return low; // NAT64 well-known prefix
  if (g0 === 0x2002) return g1 * 65536 + g2; // 6to4
  return undefined;
}

function classifyIpv4(n: number): AddressKind {
  const text = intToIpv4(n);
  if (METADATA_V4.has(text)) return "metadata";
  if (LOOPBACK_V4.some((range) => inRange(n, range))) return "loopback";
  if (PRIVATE_V4.some((range) => inRange(n, range))) return "private";
  if (RESERVED_V4.some((range) => inRange(n, range))) return "reserved";
  return "public";
}

/**
 * What kind of address this is, for the policy. Throws for something that is not an IP address.
 */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const v4 = ipv4ToInt(bare);
  if (v4 !== undefined) return { kind: classifyIpv4(v4), effective: intToIpv4(v4) };
  const groups = parseIpv6(bare);
  if (!groups) throw new Error(`not an IP address: ${address}`);
  const embedded = embeddedIpv4(groups);
  if (embedded !== undefined) return { kind: classifyIpv4(embedded), effective: intToIpv4(embedded) };
  const text = groupsToText(groups);
  const [g0 = 0, g1 = 0] = groups;
  if (text === METADATA_V6) return { kind: "metadata", effective: bare };
  if (text === "0:0:0:0:0:0:0:1") return { kind: "loopback", effective: bare };
  if (text === "0:0:0:0:0:0:0:0") return { kind: "private", effective: bare }; // unspecified: the local host
  if ((g0 & 0xfe00) === 0xfc00) return { kind: "private", effective: bare }; // fc00::/7 unique local
  if (g0 === 0x2001 && g1 === 0x0db8) return { kind: "private", effective: bare }; // 2001:db8::/32 documentation
  if ((g0 & 0xffc0) === 0xfe80 || (g0 & 0xffc0) === 0xfec0) return { kind: "private", effective: bare }; // link- and site-local
  if ((g0 & 0xff00) === 0xff00) return { kind: "reserved", effective: bare }; // multicast
  return { kind: "public", effective: bare };
}

/** Why the policy refuses this address, or undefined when it allows it. */
export function addressProblem(address: string, policy: NetworkPolicy): string | undefined {
  const { kind, effective } = classifyAddress(address);
  const shown = effective === address.replace(/^\[|\]$/g, "") ? effective : `${address} (which is ${effective})`;
  switch (kind) {
    case "metadata":
      return `${shown} is a cloud metadata address, which is never allowed`;
    case "reserved":
      return `${shown} is a multicast or reserved address`;
    case "loopback":
      return policy.allow_loopback ? undefined : `${shown} is a loopback address (set network.allow_loopback to allow it)`;
    case "private":
      return policy.allow_private ? undefined : `${shown} is a private or link-local address (set network.allow_private to allow it)`;
    default:
      return undefined;
  }
}

function normalHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, "");
}

function refusal(problem: string, host?: string): AppError {
  // The URL itself is not repeated: its path or query may carry a token.
  return new AppError("URL_NOT_ALLOWED", `${URL_POLICY_REFUSAL}: ${problem}`, host === undefined ? null : { host });
}

/** Parses and checks what can be judged without DNS: scheme, credentials, a literal host. */
function checkLiteral(raw: string | URL, policy: NetworkPolicy): URL {
  let url: URL;
  try {
    url = typeof raw === "string" ? new URL(raw) : raw;
  } catch {
    throw refusal("not an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw refusal(`only http and https URLs are allowed, not ${url.protocol.replace(":", "")}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw refusal("credentials in the URL are not allowed; give them as a header or secret", url.hostname);
  }
  const host = normalHost(url.hostname);
  if (host === "") throw refusal("the URL has no host");
  if (METADATA_HOSTS.has(host)) throw refusal(`${host} is a cloud metadata host, which is never allowed`, host);
  // RFC 6761: localhost names always mean the local host, whatever DNS says.
  if ((host === "localhost" || host.endsWith(".localhost")) && !policy.allow_loopback) {
    throw refusal(`${host} is a loopback name (set network.allow_loopback to allow it)`, host);
  }
  const literal = host.startsWith("[") ? host.slice(1, -1) : host;
  if (isIP(literal) !== 0) {
    const problem = addressProblem(literal, policy);
    if (problem) throw refusal(problem, host);
  }
  return url;
}

/**
 * Why the URL is refused before any lookup, or undefined when only DNS can tell. For refusing a
 * registration at once (400) when the URL already names a forbidden address.
 */
export function urlLiteralProblem(raw: string | URL, policy: NetworkPolicy): string | undefined {
  try {
    checkLiteral(raw, policy);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export const systemLookup: HostLookup = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
};

/**
 * Checks the URL and every address its host resolves to. Throws URL_NOT_ALLOWED when refused;
 * a failed lookup is thrown as it is (it may succeed later, so it is not a refusal).
 */
export async function checkUrl(raw: string | URL, policy: NetworkPolicy, lookup: HostLookup = systemLookup): Promise<void> {
  const url = checkLiteral(raw, policy);
  const host = normalHost(url.hostname);
  const literal = host.startsWith("[") ? host.slice(1, -1) : host;
  if (isIP(literal) !== 0) return;
  const addresses = await lookup(literal);
  if (addresses.length === 0) throw new Error(`${host} did not resolve to any address`);
  for (const address of addresses) {
    const problem = addressProblem(address, policy);
    if (problem) throw refusal(`${host} resolves to ${problem}`, host);
  }
}

export function createUrlGuard(policy: NetworkPolicy, lookup: HostLookup = systemLookup): UrlGuard {
  return (url) => checkUrl(url, policy, lookup);
}

/** True when the error is a refusal by this policy (as opposed to, say, a DNS failure). */
export function isUrlRefusal(error: unknown): boolean {
  return error instanceof AppError && error.code === "URL_NOT_ALLOWED";
}

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** A fetch that checks every request's URL first, for the SDK's HTTP transports. */
export function guardedFetch(guard: UrlGuard, base: FetchLike = fetch): FetchLike {
  return async (url, init) => {
    await guard(typeof url === "string" ? new URL(url) : url);
    return base(url, init);
  };
}
