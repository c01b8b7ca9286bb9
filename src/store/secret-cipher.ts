/**
 * Secret values at rest: AES-256-GCM with a random 12-byte IV per value and the server id and
 * name as additional data, so a value copied onto another row fails to decrypt instead of
 * handing one server's token to another. The encoding carries its version: `v1:<iv>:<tag>:<ct>`,
 * each part base64.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = "v1";

export interface SecretCipher {
  encrypt(serverId: string, name: string, value: string): string;
  /** The value, or undefined when this key did not write it (or the row was moved or altered). */
  decrypt(serverId: string, name: string, encoded: string): string | undefined;
}

function additionalData(serverId: string, name: string): Buffer {
  return Buffer.from(JSON.stringify([serverId, name]), "utf8");
}

export function createSecretCipher(key: Buffer): SecretCipher {
  if (key.length !== KEY_BYTES) throw new Error(`a secret key is ${KEY_BYTES} bytes, not ${key.length}`);
  return {
    encrypt(serverId, name, value) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(serverId, name));
      const ciphertext = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === "string" ? part : part.toString("base64"))).join(":");
    },
    decrypt(serverId, name, encoded) {
      const [version, iv, tag, ciphertext, ...rest] = encoded.split(":");
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) return undefined;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"), { authTagLength: TAG_BYTES });
        decipher.setAAD(additionalData(serverId, name));
        decipher.setAuthTag(Buffer.from(tag, "base64"));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]).toString("utf8");
      } catch {
        return undefined;
      }
    },
  };
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * A key written as 64 hex digits or 44 base64 characters; undefined for anything else. The text
 * is never echoed back: it is a secret even when malformed.
 */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (!BASE64_KEY.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return key.length === KEY_BYTES ? key : undefined;
}

export function newSecretKey(): Buffer {
  return randomBytes(KEY_BYTES);
}
