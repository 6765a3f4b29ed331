import "server-only";
// GitHub secret scanning's partner protocol (POST /api/api-keys/leaks/github).
// GitHub sends every string matching our registered patterns (README: "GitHub
// secret scanning") that it finds in public, signed; we check the signature
// over the exact bytes received before reading a word of them, revoke through
// the one leak path (report-leaks.ts: audit, emails), and answer GitHub's
// feedback: true_positive for keys we issued, false_positive for the rest.
// Failed signatures count against the caller's address like failed API keys
// (authFailures): GitHub's own reports are never limited, a forger soon is.
// Reports we cannot check are not failures (GitHub retries them); they count
// in a budget of their own that never refuses a report we can check.
import { env } from "@/lib/env";
import { assertDeclaredSize, BodyReadGate, parseJsonBytes, readBodyBytes } from "@/lib/http/body";
import { ApiError } from "@/lib/http/problem";
import { assertNotBlocked, recordFailure } from "@/lib/http/rate-limit";
import type { RequestMeta } from "@/lib/http/request-meta";
import { logger } from "@/lib/log";
import { GitHubKeyList, verifyGitHubSignature } from "./github-keys";
import { GITHUB_REPORT_MAX_BYTES, githubReportSchema, type GitHubFeedback, type GitHubMatch } from "./github-schemas";
import { hashKey, isWellFormedKey } from "./key-format";
import { revokeLeakedKeys, type LeakPlace } from "./report-leaks";

// Bodies are read only after the signature headers name a key we have, at
// most READ_SLOTS at once and READ_SLOTS_PER_ADDRESS per address (BodyReadGate).
// Reports we cannot check (list unreachable, identifier not in it yet) are 503,
// not failures, but count per address in their own budget (githubUnverified).
export const READ_SLOTS = 16;
export const READ_SLOTS_PER_ADDRESS = 2;
const UNAVAILABLE_LOG_MS = 60_000;

const g = globalThis as unknown as { __dolfinGitHubKeys?: GitHubKeyList; __dolfinGitHubGate?: BodyReadGate; __dolfinGitHubWarnedAt?: number };

/** One key list per process (the route's bundle and any other share it through globalThis). */
function keyList(): GitHubKeyList {
  const url = env().GITHUB_SECRET_SCANNING_KEYS_URL;
  if (g.__dolfinGitHubKeys?.url !== url) g.__dolfinGitHubKeys = new GitHubKeyList({ url });
  return g.__dolfinGitHubKeys;
}

const gate = () => (g.__dolfinGitHubGate ??= new BodyReadGate({ total: READ_SLOTS, perAddress: READ_SLOTS_PER_ADDRESS }));

const unauthorized = (code: string, detail: string) => new ApiError({ status: 401, code, title: "Report not signed by GitHub", detail });

/** A refusal that counts against the address (429 once its budget is spent): bad or missing signatures only. */
async function refuse(meta: RequestMeta, err: ApiError): Promise<never> {
  if (meta.ip) await recordFailure("authFailures", meta.ip);
  throw err;
}

/** A report we could not check: counted in its own budget (429 once spent), then `err`. Never blocks a report we can check. */
async function unverifiable(meta: RequestMeta, err: ApiError): Promise<never> {
  if (meta.ip) {
    assertNotBlocked("githubUnverified", meta.ip);
    await recordFailure("githubUnverified", meta.ip);
  }
  throw err;
}

function keysUnavailable(lastError: string | null, retryAfterSeconds: number): ApiError {
  const now = Date.now();
  if (now - (g.__dolfinGitHubWarnedAt ?? -Infinity) >= UNAVAILABLE_LOG_MS) {
    g.__dolfinGitHubWarnedAt = now;
    logger.warn({ event: "github keys unavailable", error: lastError }, "GitHub's secret-scanning key list cannot be fetched: reports refused, nothing revoked (logged at most once a minute)");
  }
  return new ApiError({
    status: 503,
    code: "SecretScanning.KeysUnavailable",
    title: "GitHub's public keys are unavailable",
    detail: "The signature cannot be checked: GitHub's key list could not be fetched. Nothing was revoked; send the report again later.",
    headers: { "retry-after": String(retryAfterSeconds) },
  });
}

/** The report in `req`, once its signature is proven GitHub's; else 401 (nothing read past the body's bytes), 429 or 503. */
export async function verifiedGitHubReport(req: Request, meta: RequestMeta): Promise<GitHubMatch[]> {
  if (meta.ip) assertNotBlocked("authFailures", meta.ip);
  const identifier = req.headers.get("github-public-key-identifier")?.trim() ?? "";
  const signature = req.headers.get("github-public-key-signature")?.trim() ?? "";
  if (!identifier || !signature || identifier.length > 256 || signature.length > 512) {
    await refuse(meta, unauthorized("SecretScanning.SignatureRequired", "Send Github-Public-Key-Identifier and Github-Public-Key-Signature (ECDSA P-256, SHA-256, base64 DER over the raw body)."));
  }
  // The key first (headers only): a report we cannot check costs no body read.
  const found = await keyList().lookup(identifier);
  if (found.status === "unavailable" && found.reason === "unreachable") {
    await unverifiable(meta, keysUnavailable(keyList().lastError, found.retryAfterSeconds));
  }
  if (found.status === "unavailable") {
    await unverifiable(
      meta,
      new ApiError({
        status: 503,
        code: "SecretScanning.KeyNotYetKnown",
        title: "GitHub's key not known yet",
        detail: "Github-Public-Key-Identifier names no key in GitHub's list as we last fetched it, and it is fetched at most once a minute. Nothing was revoked; send the report again after Retry-After.",
        headers: { "retry-after": String(found.retryAfterSeconds) },
      }),
    );
  }
  if (found.status !== "found") {
    // Not in the list fetched just now: nobody's signature to check. Not a failed signature (GitHub's list may lag); counted as unverifiable.
    return unverifiable(meta, unauthorized("SecretScanning.UnknownKey", "Github-Public-Key-Identifier names no key in GitHub's current list."));
  }
  assertDeclaredSize(req, GITHUB_REPORT_MAX_BYTES); // 413 at once, nothing read
  const release = gate().enter(meta.ip);
  let body: Buffer;
  try {
    body = await readBodyBytes(req, GITHUB_REPORT_MAX_BYTES);
  } finally {
    release();
  }
  if (!verifyGitHubSignature(found.key, body, signature)) {
    await refuse(meta, unauthorized("SecretScanning.InvalidSignature", "Github-Public-Key-Signature does not verify over the body with the key named."));
  }
  return githubReportSchema.parse(parseJsonBytes(body));
}

/** Revoke what is ours and live; label every match. Strangers' and malformed tokens are false positives and cost no query. */
export async function reportGitHubLeaks(matches: GitHubMatch[], meta: RequestMeta): Promise<GitHubFeedback> {
  const places = new Map<string, LeakPlace>();
  const labelled = matches.map((m) => {
    const hash = hashKey(m.token);
    const ours = isWellFormedKey(m.token);
    if (ours && !places.has(hash)) places.set(hash, { url: m.url ? m.url.slice(0, 2000) : null, source: m.source ? m.source.slice(0, 64) : null });
    return { hash, type: m.type, ours };
  });
  const issued = await revokeLeakedKeys([...places.keys()], meta, { label: "GitHub secret scanning", reporter: "GitHub secret scanning", places });
  logger.info({ event: "github secret scanning report", matches: matches.length, wellFormed: places.size, ours: issued.size }, "GitHub secret scanning report");
  return labelled.map((e) => ({ token_hash: e.hash, token_type: e.type, label: e.ours && issued.has(e.hash) ? "true_positive" : "false_positive" }));
}
