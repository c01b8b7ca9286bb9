/**
 * scripts/bundle.mjs under a running daemon: the daemon reads some chunks only on first use (the
 * gateway's MCP server, the docs page), so a rebuild — `npm run build`, or `npm install`, which
 * builds — must leave the files of the build before it in place; before, /mcp answered 500 after
 * a rebuild until the daemon was restarted. Files of older builds are removed.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

let dir: string | undefined;

afterEach(() => {
  if (dir) removeTempDir(dir);
  dir = undefined;
});

async function bundle(outdir: string): Promise<string[]> {
  await run(process.execPath, ["scripts/bundle.mjs", outdir], { cwd: ROOT });
  return readdirSync(outdir);
}

describe("scripts/bundle.mjs", () => {
  it("keeps the previous build's chunks for a daemon still running it, and removes older ones", async () => {
    dir = makeTempDir("pygent-bundle-");
    const outdir = join(dir, "bundle");
    const first = await bundle(outdir);
    expect(first).toContain("pygent.js");
    expect(first.some((file) => file.startsWith("daemon-") && file.endsWith(".js"))).toBe(true);

    // As if the build before had written chunk-PREVIOUS.js, and one before that chunk-OLDER.js.
    const listed = join(outdir, ".build-files.json");
    writeFileSync(listed, JSON.stringify([...(JSON.parse(readFileSync(listed, "utf8")) as string[]), "chunk-PREVIOUS.js", "chunk-PREVIOUS.js.map"]));
    for (const file of ["chunk-PREVIOUS.js", "chunk-PREVIOUS.js.map", "chunk-OLDER.js", "chunk-OLDER.js.map"]) writeFileSync(join(outdir, file), "");

    const second = await bundle(outdir);
    expect(second).toEqual(expect.arrayContaining([...first, "chunk-PREVIOUS.js", "chunk-PREVIOUS.js.map"]));
    expect(second).not.toContain("chunk-OLDER.js");
    expect(second).not.toContain("chunk-OLDER.js.map");

    // One build later the previous chunk is older than the build before, and goes too.
    await bundle(outdir);
    expect(existsSync(join(outdir, "chunk-PREVIOUS.js"))).toBe(false);
    expect(existsSync(join(outdir, "pygent.js"))).toBe(true);
  });
});
