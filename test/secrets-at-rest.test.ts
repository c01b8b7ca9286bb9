/**
 * Secrets at rest: encrypted in a private data directory under PYGENT_SECRET_KEY or
 * data/secret.key; plaintext rows of older versions encrypted at open; a copied database
 * reveals nothing and a wrong key is a clear error; `pygent secrets list` and `rotate-key`.
 */
import Database from "better-sqlite3";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon } from "../src/daemon/daemon.js";
import { lockDataDir } from "../src/daemon/data-dir-lock.js";
import { openStore, type Store } from "../src/store/index.js";
import { openSqlite } from "../src/store/database.js";
import { MIGRATIONS } from "../src/store/migrations/index.js";
import { captureLogger } from "./discovery/capture-logger.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

const SECRET = "ghp_ThisIsTheSecretValue12345";
const KEY_A = Buffer.alloc(32, 1).toString("base64");
const KEY_B = Buffer.alloc(32, 2).toString("hex");

let dir: string;
let dataDir: string;
const open: Store[] = [];

function storeAt(path: string, environment: NodeJS.ProcessEnv = {}): Store {
  const store = openStore(path, systemClock, { environment });
  open.push(store);
  return store;
}

function closeAll(): void {
  for (const store of open.splice(0)) store.close();
}

function rawRows(path: string): Array<{ server_id: string; name: string; value: string; encrypted: number }> {
  const db = new Database(join(path, "pygent.db"), { readonly: true });
  try {
    return db.prepare("SELECT server_id, name, value, encrypted FROM secrets").all() as Array<{ server_id: string; name: string; value: string; encrypted: number }>;
  } finally {
    db.close();
  }
}

/** Every byte the database keeps on disk: the file and, when present, its WAL. */
function databaseBytes(path: string): Buffer {
  const files = ["pygent.db", "pygent.db-wal"].map((name) => join(path, name)).filter((file) => existsSync(file));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

beforeEach(() => {
  dir = makeTempDir("pygent-secrets-");
  dataDir = join(dir, "data");
});

afterEach(() => {
  closeAll();
  removeTempDir(dir);
});

describe("secrets at rest", () => {
  it("stores values encrypted with AES-GCM: neither the column nor the database files hold the secret", async () => {
    const store = storeAt(dataDir);
    await store.secrets.set("github", { GITHUB_TOKEN: SECRET }, 1);
    expect(await store.secrets.valuesFor("github")).toEqual({ GITHUB_TOKEN: SECRET });
    closeAll();
    const [row] = rawRows(dataDir);
    expect(row?.value).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(row?.value).not.toContain(SECRET);
    expect(databaseBytes(dataDir).includes(SECRET)).toBe(false);
    // The key was generated on first need, private to the user.
    expect(mode(join(dataDir, "secret.key"))).toBe("600");
  });

  it("a database copied without its key reveals nothing, and a wrong key is a clear error", async () => {
    const store = storeAt(dataDir, { PYGENT_SECRET_KEY: KEY_A });
    await store.secrets.set("github", { GITHUB_TOKEN: SECRET }, 1);
    closeAll();
    const copy = join(dir, "copy");
    mkdirSync(copy);
    copyFileSync(join(dataDir, "pygent.db"), join(copy, "pygent.db"));

    await expect(storeAt(copy, { PYGENT_SECRET_KEY: KEY_B }).secrets.valuesFor("github")).rejects.toThrow(
      /cannot be decrypted with the key from PYGENT_SECRET_KEY: it is not the key the secrets were written with/,
    );
    await expect(storeAt(copy).secrets.valuesFor("github")).rejects.toThrow(/encrypted, but there is no key: restore the key file .*secret\.key/);
    // The daemon refuses to start on the wrong key rather than hand servers garbage, and lets go of the folder.
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [] }));
    const daemon = (environment: NodeJS.ProcessEnv) => createDaemon({ dataDir: copy, configPath, host: "127.0.0.1", port: 0, logger: silentLogger(), environment });
    await expect(daemon({ PYGENT_SECRET_KEY: KEY_B })).rejects.toThrow(/secret GITHUB_TOKEN of "github" cannot be decrypted with the key from PYGENT_SECRET_KEY/);
    await (await daemon({ PYGENT_SECRET_KEY: KEY_A })).stop();
    expect(await storeAt(copy, { PYGENT_SECRET_KEY: KEY_A }).secrets.valuesFor("github")).toEqual({ GITHUB_TOKEN: SECRET });
  });

  it("a value moved onto another server's row does not decrypt", async () => {
    const store = storeAt(dataDir);
    await store.secrets.set("one", { TOKEN: SECRET }, 1);
    await store.secrets.set("two", { TOKEN: "other-value" }, 1);
    closeAll();
    const db = new Database(join(dataDir, "pygent.db"));
    db.prepare("UPDATE secrets SET value = (SELECT value FROM secrets WHERE server_id = 'one') WHERE server_id = 'two'").run();
    db.close();
    await expect(storeAt(dataDir).secrets.valuesFor("two")).rejects.toThrow(/secret TOKEN of "two" cannot be decrypted/);
  });

  it("refuses a malformed PYGENT_SECRET_KEY naming the variable, never echoing it", () => {
    expect(() => storeAt(dataDir, { PYGENT_SECRET_KEY: "not-a-key-but-secret" })).toThrow(/PYGENT_SECRET_KEY must be 32 bytes written as base64/);
    try {
      storeAt(dataDir, { PYGENT_SECRET_KEY: "not-a-key-but-secret" });
    } catch (error) {
      expect((error as Error).message).not.toContain("not-a-key-but-secret");
    }
  });

  it("encrypts the plaintext rows of an older version when the daemon opens the store", async () => {
    mkdirSync(dataDir, { recursive: true });
    const old = openSqlite(join(dataDir, "pygent.db"), systemClock, MIGRATIONS.filter((m) => m.version <= 4));
    old.prepare("INSERT INTO secrets (server_id, name, value, updated_at) VALUES ('github', 'GITHUB_TOKEN', ?, 1)").run(SECRET);
    old.close();
    expect(databaseBytes(dataDir).includes(SECRET)).toBe(true);

    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [] }));
    const { logger, lines } = captureLogger();
    const daemon = await createDaemon({ dataDir, configPath, host: "127.0.0.1", port: 0, logger, environment: {} });
    expect(await daemon.store.secrets.valuesFor("github")).toEqual({ GITHUB_TOKEN: SECRET });
    // While the daemon runs too: the old pages do not linger in the WAL until some checkpoint.
    expect(databaseBytes(dataDir).includes(SECRET)).toBe(false);
    await daemon.stop();

    expect(lines.some((line) => line.msg.includes("encrypted secrets stored in plaintext") && line.count === 1)).toBe(true);
    expect(rawRows(dataDir)[0]).toMatchObject({ encrypted: 1 });
    expect(databaseBytes(dataDir).includes(SECRET)).toBe(false);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it("makes the data directory 0700 and its files 0600, tightening an existing directory", async () => {
    mkdirSync(dataDir, { recursive: true });
    chmodSync(dataDir, 0o755);
    // A key restored from a backup with the usual 0644.
    writeFileSync(join(dataDir, "secret.key"), `${KEY_A}\n`, { mode: 0o644 });
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [] }));
    const { logger, warnings } = captureLogger();
    const daemon = await createDaemon({ dataDir, configPath, host: "127.0.0.1", port: 0, logger, environment: {} });
    await daemon.store.secrets.set("x", { TOKEN: SECRET }, 1);
    const files = ["pygent.db", "pygent.db-wal", "pygent.db-shm", "pygent.lock", "secret.key"];
    const modes = Object.fromEntries(files.map((file) => [file, mode(join(dataDir, file))]));
    await daemon.stop();

    expect(mode(dataDir)).toBe("700");
    expect(modes).toEqual(Object.fromEntries(files.map((file) => [file, "600"])));
    expect(warnings().some((line) => line.msg.includes("data directory was readable by other users") && line.was === "755")).toBe(true);
  });
});

describe("pygent secrets", () => {
  it("lists names per server, never values", async () => {
    const store = storeAt(dataDir);
    await store.secrets.set("github", { GITHUB_TOKEN: SECRET, OTHER: "x-value-x" }, 1);
    closeAll();
    const listed = await runCliCaptured(["secrets", "list", "--data-dir", dataDir, "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ servers: [{ server_id: "github", names: ["GITHUB_TOKEN", "OTHER"] }] });
    const table = await runCliCaptured(["secrets", "list", "--data-dir", dataDir]);
    expect(table.stdout).toContain("GITHUB_TOKEN, OTHER");
    expect(listed.stdout + table.stdout).not.toContain(SECRET);
  });

  it("rotate-key re-encrypts every value under a new key file; the old key opens nothing", async () => {
    const store = storeAt(dataDir);
    await store.secrets.set("github", { GITHUB_TOKEN: SECRET }, 1);
    await store.secrets.set("other", { TOKEN: "second-secret" }, 1);
    closeAll();
    const oldKey = readFileSync(join(dataDir, "secret.key"), "utf8").trim();
    const before = rawRows(dataDir);

    const rotated = await runCliCaptured(["secrets", "rotate-key", "--data-dir", dataDir]);
    expect(rotated.stderr).toBe("");
    expect(rotated.stdout).toContain("Re-encrypted 2 secrets under the new key.");
    const newKey = readFileSync(join(dataDir, "secret.key"), "utf8").trim();
    expect(newKey).not.toBe(oldKey);
    expect(mode(join(dataDir, "secret.key"))).toBe("600");
    expect(existsSync(join(dataDir, "secret.key.next"))).toBe(false);
    expect(rawRows(dataDir).map((row) => row.value)).not.toEqual(before.map((row) => row.value));

    expect(await storeAt(dataDir).secrets.valuesFor("github")).toEqual({ GITHUB_TOKEN: SECRET });
    await expect(storeAt(dataDir, { PYGENT_SECRET_KEY: oldKey }).secrets.valuesFor("github")).rejects.toThrow(/cannot be decrypted/);
  });

  it("with PYGENT_SECRET_KEY set, rotate-key needs the new key from --new-key-env", async () => {
    const store = storeAt(dataDir, { PYGENT_SECRET_KEY: KEY_A });
    await store.secrets.set("github", { GITHUB_TOKEN: SECRET }, 1);
    closeAll();

    const refused = await runCliCaptured(["secrets", "rotate-key", "--data-dir", dataDir], { PYGENT_SECRET_KEY: KEY_A });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/PYGENT_SECRET_KEY is set, so the key is yours to keep.*--new-key-env/);
    const malformed = await runCliCaptured(["secrets", "rotate-key", "--data-dir", dataDir, "--new-key-env", "NEXT"], { PYGENT_SECRET_KEY: KEY_A, NEXT: "short" });
    expect(malformed.stderr).toMatch(/--new-key-env: NEXT must be 32 bytes/);

    const rotated = await runCliCaptured(["secrets", "rotate-key", "--data-dir", dataDir, "--new-key-env", "NEXT"], { PYGENT_SECRET_KEY: KEY_A, NEXT: KEY_B });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain("Set PYGENT_SECRET_KEY to the value of NEXT");
    expect(existsSync(join(dataDir, "secret.key"))).toBe(false);
    expect(await storeAt(dataDir, { PYGENT_SECRET_KEY: KEY_B }).secrets.valuesFor("github")).toEqual({ GITHUB_TOKEN: SECRET });
    await expect(storeAt(dataDir, { PYGENT_SECRET_KEY: KEY_A }).secrets.valuesFor("github")).rejects.toThrow(/cannot be decrypted/);
  });

  it("rotate-key is refused while a daemon holds the data directory", async () => {
    storeAt(dataDir);
    closeAll();
    const lock = lockDataDir(dataDir);
    try {
      const refused = await runCliCaptured(["secrets", "rotate-key", "--data-dir", dataDir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/another PyGent daemon \(pid \d+\) is using the data directory/);
    } finally {
      lock.release();
    }
  });

  it("a rotation cut short is finished when its transaction committed, and undone when it did not", async () => {
    const store = storeAt(dataDir);
    await store.secrets.set("github", { GITHUB_TOKEN: SECRET }, 1);
    closeAll();
    const keyFile = join(dataDir, "secret.key");
    const oldKey = readFileSync(keyFile, "utf8");
    await runCliCaptured(["secrets", "rotate-key", "--data-dir", dataDir]);
    const newKey = readFileSync(keyFile, "utf8");
    // Cut after the commit, before the rename: the rows are under the staged key.
    writeFileSync(keyFile, oldKey);
    writeFileSync(`${keyFile}.next`, newKey, { mode: 0o600 });
    const finishing = storeAt(dataDir);
    await finishing.secrets.prepare();
    expect(readFileSync(keyFile, "utf8")).toBe(newKey);
    expect(existsSync(`${keyFile}.next`)).toBe(false);
    expect(await finishing.secrets.valuesFor("github")).toEqual({ GITHUB_TOKEN: SECRET });
    closeAll();
    // Cut before the commit: the staged key wrote nothing and is dropped.
    writeFileSync(`${keyFile}.next`, `${Buffer.alloc(32, 9).toString("base64")}\n`, { mode: 0o600 });
    const undoing = storeAt(dataDir);
    await undoing.secrets.prepare();
    expect(readFileSync(keyFile, "utf8")).toBe(newKey);
    expect(existsSync(`${keyFile}.next`)).toBe(false);
    expect(await undoing.secrets.valuesFor("github")).toEqual({ GITHUB_TOKEN: SECRET });
  });
});
