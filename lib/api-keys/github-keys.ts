// GitHub's secret-scanning public keys and the signature check of its reports.
//
// GitHub signs every report it sends a partner with ECDSA P-256 over SHA-256
// of the raw body (base64 DER in `Github-Public-Key-Signature`), naming the key
// in `Github-Public-Key-Identifier`. The keys are published as
// `{ public_keys: [{ key_identifier, key (PEM), is_current }] }`
// (https://api.github.com/meta/public_keys/secret_scanning). We keep the list
// in memory and fetch it:
// - on first use, and again when it is older than MAX_AGE_MS (a key GitHub
//   withdraws stops being trusted); a failed refresh keeps the keys we had;
// - when a report names an identifier we do not know (GitHub rotated), but
//   never more than once per MIN_REFRESH_MS, whatever anyone sends: an attacker
//   cannot make us fetch more than once a minute;
// each fetch with a timeout and a size limit, one at a time (concurrent callers
// share it). An identifier we do not have is `unknown` (401) only when this
// very lookup fetched the list (or waited for a fetch under way) and it is not
// there. When no fetch is allowed yet it is `unavailable` ("refreshTooSoon",
// 503 with Retry-After): an attacker sending a made-up identifier once a minute
// keeps the list "just fetched", and GitHub's first reports signed with a key
// it has just published must be retried, not refused. An unreachable list and
// an identifier we do not have: `unavailable` ("unreachable"). The caller
// revokes nothing on either.
// No "server-only" import: unit-tested on its own (lib/api-keys/github-keys.test.ts).
import { createPublicKey, verify, type KeyObject } from "node:crypto";

export const GITHUB_KEYS_URL_DEFAULT = "https://api.github.com/meta/public_keys/secret_scanning";
export const MIN_REFRESH_MS = 60_000;
export const MAX_AGE_MS = 3_600_000;
export const FETCH_TIMEOUT_MS = 5_000;
/** GitHub's list is about 1 KB; anything this big is not it. */
export const MAX_LIST_BYTES = 64 * 1024;

export type KeyLookup =
  | { status: "found"; key: KeyObject }
  | { status: "unknown" }
  | { status: "unavailable"; reason: "unreachable" | "refreshTooSoon"; retryAfterSeconds: number };

type Options = { url: string; now?: () => number; timeoutMs?: number; fetchImpl?: typeof fetch };

export class GitHubKeyList {
  private keys: Map<string, KeyObject> | null = null;
  private fetchedAt = -Infinity; // last successful fetch
  private attemptedAt = -Infinity; // last attempt, successful or not
  private lastFailed = false;
  /** Why the last fetch failed (for the log), or null. */
  lastError: string | null = null;
  private inFlight: Promise<void> | null = null;
  /** Fetches started (for tests and logs). */
  fetches = 0;

  constructor(private readonly opts: Options) {}

  get url(): string {
    return this.opts.url;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The public key named `identifier`, fetching the list when allowed (see the top of the file). */
  async lookup(identifier: string): Promise<KeyLookup> {
    const now = this.now();
    const mayFetch = now - this.attemptedAt >= MIN_REFRESH_MS;
    const known = this.keys?.get(identifier);
    if (known && now - this.fetchedAt < MAX_AGE_MS) return { status: "found", key: known };
    const fetched = mayFetch || this.inFlight !== null;
    if (fetched) await this.refresh().catch(() => {}); // kept in lastError; the answer below says unavailable
    const key = this.keys?.get(identifier);
    if (key) return { status: "found", key }; // fresh, or stale because GitHub is unreachable: better than refusing GitHub
    const retryAfterSeconds = Math.max(1, Math.ceil((this.attemptedAt + MIN_REFRESH_MS - this.now()) / 1000));
    if (this.keys === null || this.lastFailed) return { status: "unavailable", reason: "unreachable", retryAfterSeconds };
    if (!fetched) return { status: "unavailable", reason: "refreshTooSoon", retryAfterSeconds }; // maybe a key GitHub published since
    return { status: "unknown" };
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchList().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async fetchList(): Promise<void> {
    this.attemptedAt = this.now();
    this.fetches++;
    try {
      const res = await (this.opts.fetchImpl ?? fetch)(this.opts.url, {
        headers: { accept: "application/json", "user-agent": "dolfin-secret-scanning" },
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? FETCH_TIMEOUT_MS),
        redirect: "error",
      });
      if (!res.ok) throw new Error(`key list answered ${res.status}`);
      const keys = parseKeyList(await readLimited(res, MAX_LIST_BYTES));
      if (keys.size === 0) throw new Error("key list holds no usable P-256 key");
      this.keys = keys;
      this.fetchedAt = this.now();
      this.lastFailed = false;
      this.lastError = null;
    } catch (err) {
      this.lastFailed = true;
      this.lastError = (err as Error).message;
      throw Object.assign(new Error(`GitHub's secret-scanning key list could not be fetched: ${(err as Error).message}`), { cause: err });
    }
  }
}

async function readLimited(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > max) throw new Error(`key list larger than ${max} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        throw new Error(`key list larger than ${max} bytes`);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** `{ public_keys: [{ key_identifier, key }] }` → identifier → key; entries that are not P-256 public keys are skipped. */
export function parseKeyList(text: string): Map<string, KeyObject> {
  const doc = JSON.parse(text) as { public_keys?: unknown };
  if (!Array.isArray(doc?.public_keys)) throw new Error("key list has no public_keys array");
  const out = new Map<string, KeyObject>();
  for (const entry of doc.public_keys as { key_identifier?: unknown; key?: unknown }[]) {
    if (typeof entry?.key_identifier !== "string" || typeof entry.key !== "string") continue;
    try {
      const key = createPublicKey(entry.key);
      if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") out.set(entry.key_identifier, key);
    } catch {
      // not a PEM public key: skipped
    }
  }
  return out;
}

/** ECDSA P-256 / SHA-256 over the exact bytes received; `signature` is base64 DER. Malformed: false. */
export function verifyGitHubSignature(key: KeyObject, body: Uint8Array, signature: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return verify("sha256", body, { key, dsaEncoding: "der" }, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}
