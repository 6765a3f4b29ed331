// The raw API key format, GitHub-token style so secret scanners can recognise
// a Dolfin key offline:
//
//   dol_live_<43 base62 chars: 256 random bits><6 base62 chars: CRC32 checksum>
//   dol_test_… for Sandbox Clients
//
// The checksum covers everything before it, so a typo or a random string is
// rejected without a database lookup. Only the SHA-256 of the key is stored.
import { hash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

export type KeyEnvironment = "Live" | "Sandbox";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const KEY_PREFIXES: Record<KeyEnvironment, string> = { Live: "dol_live_", Sandbox: "dol_test_" };
/** 43 base62 characters carry 256.03 bits. */
export const RANDOM_LENGTH = 43;
export const CHECKSUM_LENGTH = 6;
/** Random characters shown in `keyPrefix` (public; 47 bits tell keys apart in a list). */
export const VISIBLE_RANDOM_CHARS = 8;
export const RAW_KEY_LENGTH = KEY_PREFIXES.Live.length + RANDOM_LENGTH + CHECKSUM_LENGTH;
export const RAW_KEY_PATTERN = /^dol_(live|test)_[0-9A-Za-z]{49}$/;

/** Uniform base62 from crypto randomness (rejection sampling: no modulo bias). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length + 16)) {
      if (byte < 248) out += ALPHABET[byte % 62]; // 248 = 4 * 62
      if (out.length === length) break;
    }
  }
  return out;
}

export function toBase62(n: number, width: number): string {
  let s = "";
  let v = n;
  do {
    s = ALPHABET[v % 62] + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s.padStart(width, "0");
}

export function checksum(body: string): string {
  return toBase62(crc32(body) >>> 0, CHECKSUM_LENGTH);
}

/** SHA-256, hex: what the database stores. crypto.hash is the one-shot form (less than half the cost of a Hash object). */
export function hashKey(rawKey: string): string {
  return hash("sha256", rawKey, "hex");
}

export type GeneratedKey = { rawKey: string; keyPrefix: string; keyHash: string };

export function generateKey(env: KeyEnvironment): GeneratedKey {
  const body = KEY_PREFIXES[env] + randomBase62(RANDOM_LENGTH);
  const rawKey = body + checksum(body);
  return { rawKey, keyPrefix: body.slice(0, KEY_PREFIXES[env].length + VISIBLE_RANDOM_CHARS), keyHash: hashKey(rawKey) };
}

/** Is this string shaped like a Dolfin key, with a valid checksum? (No database involved.) */
export function isWellFormedKey(candidate: string): boolean {
  if (candidate.length !== RAW_KEY_LENGTH || !RAW_KEY_PATTERN.test(candidate)) return false;
  const body = candidate.slice(0, -CHECKSUM_LENGTH);
  return checksum(body) === candidate.slice(-CHECKSUM_LENGTH);
}
