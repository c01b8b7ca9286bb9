/**
 * The dashboard's built files (`web/dist`) served at `/`. Vite names what it builds under
 * `assets/` by content hash, so those are cached for good; `index.html` and the other files at
 * the top are revalidated on every load (ETag), so a new build shows at the next reload. A GET
 * of a page path (`/servers`) that is no file gets `index.html`, and the app routes it; paths
 * owned by the API (/api, /ws, /docs, /metrics, /mcp) never do, so an unknown one stays a 404.
 * Text files go gzipped to clients that accept it, each compressed once per build.
 * Without a build, `/` and the page paths say how to make one (503).
 */
import { readFile, stat } from "node:fs/promises";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { existsSync } from "node:fs";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";

/** Path prefixes the daemon answers itself; the dashboard never shadows them. */
export const RESERVED_PREFIXES = ["/api", "/ws", "/docs", "/metrics", "/mcp"] as const;

const gzipAsync = promisify(gzip);

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PyGent Factory</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>PyGent Factory is running</h1>
<p>The dashboard has not been built. In the project folder, run <code>npm run build:web</code>
(or <code>npm install</code>, which builds it too) and reload this page.</p>
<p>The API answers at <a href="/api/v1/health">/api/v1/health</a>; its reference is at <a href="/docs">/docs</a>.</p>
</body></html>
`;

/** `web/dist` of the package this file belongs to (the first folder upwards with a package.json). */
export function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, "web", "dist");
}

export function isReservedPath(path: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function pathOf(request: FastifyRequest): string {
  return request.url.split("?")[0] ?? "/";
}

/** The file under root a URL path names, or undefined for a path that would leave it. */
function fileUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const file = resolve(root, `.${decoded}`);
  return file.startsWith(root + sep) ? file : undefined;
}

/** Gzipped bodies by file, kept while the file's ETag stays the same (a build has a few dozen files). */
type GzipCache = Map<string, { etag: string; body: Buffer }>;

function compressible(type: string): boolean {
  return type.startsWith("text/") || type.startsWith("image/svg") || type.startsWith("application/json") || type.startsWith("application/manifest");
}

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers["accept-encoding"];
  return typeof header === "string" && /\bgzip\b/i.test(header);
}

async function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: string,
  cacheControl: string,
  gzipped: GzipCache,
): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  const etag = `"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`;
  const type = TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
  reply.header("cache-control", cacheControl).header("etag", etag).header("x-content-type-options", "nosniff");
  if (compressible(type)) reply.header("vary", "accept-encoding");
  if (request.headers["if-none-match"] === etag) {
    reply.code(304).send();
    return true;
  }
  if (!compressible(type) || !acceptsGzip(request)) {
    reply.type(type).send(await readFile(file));
    return true;
  }
  let cached = gzipped.get(file);
  if (cached?.etag !== etag) {
    cached = { etag, body: await gzipAsync(await readFile(file)) };
    gzipped.set(file, cached);
  }
  reply.type(type).header("content-encoding", "gzip").send(cached.body);
  return true;
}

export interface WebFiles {
  /** Registers `/` and `/assets/*`; call after the hooks that cover every route. */
  registerRoutes(app: FastifyInstance): void;
  /**
   * For the not-found handler: answers a GET or HEAD outside the API's paths with a file at the
   * top of the build or, for a page path, with index.html; false when it does not apply.
   */
  fallback(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

/** The dashboard's files under root (a Vite build's output folder). */
export function createWebFiles(root: string): WebFiles {
  const webRoot = resolve(root);
  const indexFile = join(webRoot, "index.html");
  const gzipped: GzipCache = new Map();

  // A reply is thenable (it settles when the response ends), so what is sent is told apart by a boolean, not by returning the reply.
  const sendIndex = async (request: FastifyRequest, reply: FastifyReply): Promise<true> => {
    if (!(await sendFile(request, reply, indexFile, REVALIDATE, gzipped))) {
      reply.code(503).header("cache-control", REVALIDATE).type("text/html; charset=utf-8").send(NOT_BUILT_PAGE);
    }
    return true;
  };

  return {
    registerRoutes(app) {
      const options = { schema: { hide: true }, config: { rateLimit: false as const } };
      app.get("/", options, async (request, reply) => {
        await sendIndex(request, reply);
      });
      app.get("/assets/*", options, async (request, reply) => {
        const file = fileUnder(webRoot, pathOf(request));
        if (file !== undefined && (await sendFile(request, reply, file, IMMUTABLE, gzipped))) return;
        throw new AppError("NOT_FOUND", `The dashboard has no file ${pathOf(request)}.`);
      });
    },
    async fallback(request, reply) {
      if (request.method !== "GET" && request.method !== "HEAD") return false;
      const path = pathOf(request);
      if (isReservedPath(path)) return false;
      const file = fileUnder(webRoot, path);
      if (file !== undefined && (await sendFile(request, reply, file, REVALIDATE, gzipped))) return true;
      // A page path has no extension; a missing script or image stays a 404.
      if (extname(path) !== "") return false;
      return sendIndex(request, reply);
    },
  };
}
