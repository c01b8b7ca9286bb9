/**
 * Where the key that encrypts stored secrets comes from: `PYGENT_SECRET_KEY` (32 bytes, base64 or
 * hex) when set, else `<data dir>/secret.key` (0600), generated on first need. A key rotation
 * writes the new key beside the old one (`secret.key.next`) before re-encrypting, and renames it
 * over the old one after the transaction commits; a rotation cut short in between is finished
 * or undone by the next opener, which can tell from the rows which key wrote them.
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { AppError } from "../core/errors.js";
import { restrictExisting } from "./private-files.js";
import { newSecretKey, parseSecretKey } from "./secret-cipher.js";

export const SECRET_KEY_ENV = "PYGENT_SECRET_KEY";
export const SECRET_KEY_FILE = "secret.key";
const NEXT_SUFFIX = ".next";

export interface SecretKeySource {
  /** Where the key comes from, for messages: the variable's name or the file's path. */
  readonly description: string;
  /** True when the key comes from the environment: the store must not write key files. */
  readonly fromEnvironment: boolean;
  /** The key, or undefined when there is none yet (no variable, no file). */
  current(): Buffer | undefined;
  /** The key, generating and saving one when there is none yet. */
  currentOrCreate(): Buffer;
  /** The key a rotation cut short left behind, if any. */
  pending(): Buffer | undefined;
  /** Saves `key` as the pending key (0600), before the rows are re-encrypted under it. */
  stage(key: Buffer): void;
  /** Makes the pending key the current one. */
  commit(): void;
  /** Forgets the pending key. */
  discard(): void;
}

export function secretKeySource(dataDir: string, environment: NodeJS.ProcessEnv): SecretKeySource {
  const fromEnv = environment[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    const key = parseSecretKey(fromEnv);
    if (!key) {
      throw new AppError(
        "CONFIG_INVALID",
        `${SECRET_KEY_ENV} must be 32 bytes written as base64 (44 characters) or hex (64 characters); generate one with \`openssl rand -base64 32\``,
      );
    }
    const refuse = (): never => {
      throw new AppError("CONFIG_INVALID", `the secret key comes from ${SECRET_KEY_ENV}; the store does not write key files then`);
    };
    return {
      description: SECRET_KEY_ENV,
      fromEnvironment: true,
      current: () => key,
      currentOrCreate: () => key,
      pending: () => undefined,
      stage: refuse,
      commit: refuse,
      discard: () => undefined,
    };
  }
  const path = join(dataDir, SECRET_KEY_FILE);
  const next = `${path}${NEXT_SUFFIX}`;
  // A key file copied in from a backup may carry a wider mode.
  restrictExisting([path, next]);
  let cached: Buffer | undefined;
  return {
    description: path,
    fromEnvironment: false,
    current() {
      cached ??= readKeyFile(path);
      return cached;
    },
    currentOrCreate() {
      cached ??= readKeyFile(path) ?? createKeyFile(path);
      return cached;
    },
    pending: () => readKeyFile(next),
    stage(key) {
      rmSync(next, { force: true });
      writeKeyFile(next, key);
    },
    commit() {
      renameSync(next, path);
      cached = undefined;
    },
    discard() {
      rmSync(next, { force: true });
    },
  };
}

/** A new 0600 file holding the key, on disk before this returns: losing the key loses every secret. */
function writeKeyFile(path: string, key: Buffer): void {
  const fd = openSync(path, "wx", 0o600);
  try {
    writeSync(fd, `${key.toString("base64")}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readKeyFile(path: string): Buffer | undefined {
  if (!existsSync(path)) return undefined;
  const key = parseSecretKey(readFileSync(path, "utf8"));
  if (!key) throw new AppError("CONFIG_INVALID", `${path} does not hold a 32-byte key in base64 or hex; restore it from a backup`);
  return key;
}

/**
 * Writes a new key file whole or not at all: the key goes to a temp file first and is linked into
 * place, which fails if another process created the file meanwhile; then that file's key wins.
 */
function createKeyFile(path: string): Buffer {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  const key = newSecretKey();
  writeKeyFile(temp, key);
  try {
    linkSync(temp, path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return readKeyFile(path)!;
  } finally {
    rmSync(temp, { force: true });
  }
}
