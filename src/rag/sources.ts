/**
 * Where a document's text comes from, checked before anything is read: a file only inside the
 * folders the config opens to ingestion (after symbolic links are followed), a URL only through
 * the network policy of src/mcp (SSRF: every redirect is checked again), each no larger than
 * the size limit and text, not binary.
 */
import { open, realpath } from "node:fs/promises";
import { basename, isAbsolute, relative } from "node:path";
import { AppError, errorMessage } from "../core/errors.js";
import { checkUrl, type HostLookup, type NetworkPolicy } from "../mcp/index.js";
import type { RagFormat } from "../store/index.js";
import { formatOf } from "./extract.js";

export interface LoadedSource {
  source: string;
  name: string;
  format: RagFormat;
  text: string;
  bytes: number;
}

/** How long a URL may take to answer, whole body included. */
export const FETCH_TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 5;

function tooLarge(bytes: number | string, maxBytes: number): AppError {
  return new AppError("DOCUMENT_TOO_LARGE", `the document is ${bytes} bytes; the limit is ${maxBytes} (rag.max_document_bytes)`, {
    max_bytes: maxBytes,
  });
}

/** The text of the bytes, refused when they look binary (a NUL byte). */
function textOf(bytes: Uint8Array, what: string): string {
  if (bytes.subarray(0, 8192).includes(0)) {
    throw new AppError("VALIDATION_FAILED", `${what} is not a text document (it holds binary data)`);
  }
  return new TextDecoder("utf-8").decode(bytes);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

export async function readPathSource(path: string, roots: readonly string[], maxBytes: number): Promise<LoadedSource> {
  if (!isAbsolute(path)) {
    throw new AppError("PATH_NOT_ALLOWED", `give an absolute path, not ${JSON.stringify(path)}`, { path });
  }
  if (roots.length === 0) {
    throw new AppError("PATH_NOT_ALLOWED", "no folder is open to ingestion; list one in the config's rag.roots", { path });
  }
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw new AppError("NOT_FOUND", `no file at ${path}`, { path });
  }
  const realRoots = await Promise.all(roots.map((root) => realpath(root).catch(() => root)));
  if (!realRoots.some((root) => inside(root, real))) {
    throw new AppError("PATH_NOT_ALLOWED", `${path} is outside the folders open to ingestion (${roots.join(", ")})`, { path });
  }
  const handle = await open(real, "r");
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new AppError("VALIDATION_FAILED", `${path} is not a file`, { path });
    if (stat.size > maxBytes) throw tooLarge(stat.size, maxBytes);
    const bytes = await handle.readFile();
    return { source: real, name: basename(real), format: formatOf(real), text: textOf(bytes, path), bytes: bytes.length };
  } finally {
    await handle.close();
  }
}

export interface FetchSourceOptions {
  policy: NetworkPolicy;
  maxBytes: number;
  lookup?: HostLookup;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Aborts the fetch, e.g. when the client that asked for it hangs up. */
  signal?: AbortSignal;
}

const TEXT_TYPES = /^(text\/[a-z0-9.+-]+|application\/xhtml\+xml)$/;

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const part of response.body) {
      total += part.length;
      if (total > maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw tooLarge(`over ${maxBytes}`, maxBytes);
      }
      parts.push(part);
    }
  }
  return Buffer.concat(parts, total);
}

export async function fetchUrlSource(raw: string, options: FetchSourceOptions): Promise<LoadedSource> {
  const fetchImpl = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? FETCH_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let url = new URL(raw);
  for (let hop = 0; ; hop++) {
    await checkUrl(url, options.policy, options.lookup);
    let response: Response;
    try {
      response = await fetchImpl(url, { redirect: "manual", signal, headers: { accept: "text/html, text/markdown, text/plain;q=0.9, */*;q=0.1" } });
    } catch (error) {
      throw new AppError("DOCUMENT_FETCH_FAILED", `fetching ${url.origin}${url.pathname} failed: ${errorMessage(error)}`, { url: raw });
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw new AppError("DOCUMENT_FETCH_FAILED", `more than ${MAX_REDIRECTS} redirects`, { url: raw });
      url = new URL(location, url);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new AppError("DOCUMENT_FETCH_FAILED", `the URL answered HTTP ${response.status}`, { url: raw, status: response.status });
    }
    const contentType = response.headers.get("content-type");
    const type = contentType?.split(";")[0]?.trim().toLowerCase() ?? "text/plain";
    if (!TEXT_TYPES.test(type)) {
      await response.body?.cancel().catch(() => undefined);
      throw new AppError("DOCUMENT_FETCH_FAILED", `the URL answered ${type}, not a text document`, { url: raw, content_type: type });
    }
    const length = Number(response.headers.get("content-length"));
    if (Number.isFinite(length) && length > options.maxBytes) throw tooLarge(length, options.maxBytes);
    const bytes = await readCapped(response, options.maxBytes);
    const name = basename(url.pathname) || url.hostname;
    return { source: new URL(raw).href, name, format: formatOf(url.pathname, contentType), text: textOf(bytes, url.href), bytes: bytes.length };
  }
}
