/**
 * An npm registry on 127.0.0.1 holding one package, built with `npm pack` from a package whose bin
 * runs the echo fixture: a real npm install (`npm_config_registry`) that downloads nothing from
 * outside. `hold()` can keep tarball downloads from finishing, to catch npm mid-download.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BUILTIN_CATALOG } from "../../src/discovery/builtin-catalog.js";
import { fixturePath } from "./processes.js";

export interface EchoPackage {
  name: string;
  version: string;
  /** The bin's name, run at `dist/index.js`. */
  bin: string;
}

export interface LocalNpmRegistry {
  /** For npm_config_registry. */
  url: string;
  /** Tarball downloads asked for so far. */
  downloads(): number;
  close(): Promise<void>;
}

/** The package the built-in catalog's "memory" entry installs, by its pinned name and version. */
export function catalogMemoryPackage(): EchoPackage {
  const entry = BUILTIN_CATALOG.find((server) => server.name === "io.github.modelcontextprotocol/server-memory");
  const pkg = entry!.packages![0]!;
  return { name: pkg.identifier, version: pkg.version!, bin: "mcp-server-memory" };
}

/** The package's tarball, made with `npm pack` in `dir`. */
export function packEchoPackage(dir: string, pkg: EchoPackage): Buffer {
  const source = join(dir, "package");
  mkdirSync(join(source, "dist"), { recursive: true });
  writeFileSync(join(source, "dist", "index.js"), `import ${JSON.stringify(pathToFileURL(fixturePath("echo-server.mjs")).href)};\n`);
  writeFileSync(join(source, "package.json"), JSON.stringify({ name: pkg.name, version: pkg.version, type: "module", bin: { [pkg.bin]: "dist/index.js" } }));
  const output = execFileSync("npm", ["pack", source, "--pack-destination", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return readFileSync(join(dir, output.trim().split("\n").at(-1)!));
}

export async function serveNpmRegistry(pkg: EchoPackage, tarball: Buffer, hold: () => boolean = () => false): Promise<LocalNpmRegistry> {
  let downloads = 0;
  const held: ServerResponse[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = decodeURIComponent(request.url ?? "");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (path === `/${pkg.name}`) {
      const manifest = {
        name: pkg.name,
        version: pkg.version,
        bin: { [pkg.bin]: "dist/index.js" },
        dist: {
          tarball: `${base}/tarball.tgz`,
          integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
          shasum: createHash("sha1").update(tarball).digest("hex"),
        },
      };
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ name: pkg.name, "dist-tags": { latest: pkg.version }, versions: { [pkg.version]: manifest } }));
    } else if (path === "/tarball.tgz") {
      downloads++;
      if (hold()) {
        held.push(response);
        return;
      }
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": tarball.length });
      response.end(tarball);
    } else {
      response.writeHead(404, { "content-type": "application/json" });
      response.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    downloads: () => downloads,
    async close() {
      for (const response of held.splice(0)) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
