import "server-only";
// GitHub secret scanning's partner protocol (POST /api/api-keys/leaks/github).
// GitHub sends every string matching our registered patterns (README: "GitHub
// secret scanning") that it finds in public, signed; we check the signature
// over the exact bytes received before reading a word of them, revoke through
// the one leak path (report-leaks.ts: audit, emails), and answer GitHub's
// feedback: true_positive for keys we issued, false_positive for the rest.
// Failed signatures count against the caller's address like failed API keys
// (authFailures): GitHub's own reports are never limited, a forger soon is.
import { env } from "@/lib/env";
import { parseJsonBytes, readBodyBytes } from "@/lib/http/body";
import { ApiError } from "@/lib/http/problem";
import { assertNotBlocked, recordFailure } from "@/lib/http/rate-limit";
import type { RequestMeta } from "@/lib/http/request-meta";
import { logger } from "@/lib/log";
import { GitHubKeyList, verifyGitHubSignature } from "./github-keys";
import { GITHUB_REPORT_MAX_BYTES, githubReportSchema, type GitHubFeedback, type GitHubMatch } from "./github-schemas";
import { hashKey, isWellFormedKey } from "./key-format";
import { revokeLeakedKeys, type LeakPlace } from "./report-leaks";

const g = globalThis as unknown as { __dolfinGitHubKeys?: GitHubKeyList };

/** One key list per process (the route's bundle and any other share it through globalThis). */
function keyList(): GitHubKeyList {
  const url = env().GITHUB_SECRET_SCANNING_KEYS_URL;
  if (g.__dolfinGitHubKeys?.url !== url) g.__dolfinGitHubKeys = new GitHubKeyList({ url });
  return g.__dolfinGitHubKeys;
}

const unauthorized = (code: string, detail: string) => new ApiError({ status: 401, code, title: "Report not signed by GitHub", detail });

/** A refusal that counts against the address (429 once its budget is spent). */
async function refuse(meta: RequestMeta, err: ApiError): Promise<never> {
  if (meta.ip) await recordFailure("authFailures", meta.ip);
  throw err;
}

/** The report in `req`, once its signature is proven GitHub's; else 401 (nothing read past the body's bytes) or 503. */
export async function verifiedGitHubReport(req: Request, meta: RequestMeta): Promise<GitHubMatch[]> {
  if (meta.ip) assertNotBlocked("authFailures", meta.ip);
  const identifier = req.headers.get("github-public-key-identifier")?.trim() ?? "";
  const signature = req.headers.get("github-public-key-signature")?.trim() ?? "";
  if (!identifier || !signature || identifier.length > 256 || signature.length > 512) {
    await refuse(meta, unauthorized("SecretScanning.SignatureRequired", "Send Github-Public-Key-Identifier and Github-Public-Key-Signature (ECDSA P-256, SHA-256, base64 DER over the raw body)."));
  }
  const body = await readBodyBytes(req, GITHUB_REPORT_MAX_BYTES);
  const found = await keyList().lookup(identifier);
  if (found.status === "unavailable") {
    logger.warn({ event: "github keys unavailable", error: keyList().lastError }, "GitHub's secret-scanning key list cannot be fetched: report refused, nothing revoked");
    throw new ApiError({
      status: 503,
      code: "SecretScanning.KeysUnavailable",
      title: "GitHub's public keys are unavailable",
      detail: "The signature cannot be checked: GitHub's key list could not be fetched. Nothing was revoked; send the report again later.",
      headers: { "retry-after": String(found.retryAfterSeconds) },
    });
  }
  if (found.status === "unknown") {
    await refuse(meta, unauthorized("SecretScanning.UnknownKey", "Github-Public-Key-Identifier names no key in GitHub's current list."));
  } else if (!verifyGitHubSignature(found.key, body, signature)) {
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
