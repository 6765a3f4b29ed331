// The OpenAPI operation of GitHub secret scanning's partner endpoint (assembled by lib/openapi/document.ts).
import type { ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { GITHUB_REPORT_MAX_BYTES, GITHUB_TOKEN_TYPES, githubFeedbackSchema, githubReportSchema } from "./github-schemas";

type Response = ZodOpenApiResponsesObject[`${1 | 2 | 3 | 4 | 5}${string}`];

export function githubSecretScanningPaths(problem: (description: string) => Response, common: Record<"503" | "default", Response>): ZodOpenApiPathsObject {
  const types = GITHUB_TOKEN_TYPES.map((t) => `\`${t.type}\` (\`${t.pattern}\`)`).join(" and ");
  return {
    "/api/api-keys/leaks/github": {
      post: {
        operationId: "reportGitHubSecretScanningMatches",
        tags: ["ApiKeys"],
        summary: "GitHub secret scanning reports",
        description:
          `GitHub's secret-scanning partner protocol; only GitHub can call it. The body is a JSON array of matches of our token types ${types}, ` +
          "signed by GitHub with ECDSA P-256 over SHA-256 of the exact body bytes (`Github-Public-Key-Signature`, base64 DER), with the key named by " +
          "`Github-Public-Key-Identifier` in GitHub's published list (`GITHUB_SECRET_SCANNING_KEYS_URL`). Live keys we issued are revoked at once, " +
          "audited with the `url` and `source`, and their Client's Owners and Admins emailed. The answer labels every match: `true_positive` for a key we issued " +
          "(whatever its state), `false_positive` for anything else (those cost no write). Failed signatures count against the caller's address like failed API keys.",
        security: [{}],
        parameters: [
          { name: "Github-Public-Key-Identifier", in: "header", required: true, description: "The `key_identifier` of the key in GitHub's list that signed the body.", schema: { type: "string" } },
          { name: "Github-Public-Key-Signature", in: "header", required: true, description: "base64 of the DER ECDSA P-256/SHA-256 signature over the raw body.", schema: { type: "string" } },
        ],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: githubReportSchema,
              examples: {
                found: {
                  value: [{ token: "dol_live_3xT9aB2qK7mN4pR8sV1wY6zC0dF5gH2jL9nQ3tX7uA1b2C3d", type: "dolfin_live_api_key", url: "https://github.com/octocat/hello/blob/1234/.env", source: "content" }],
                },
              },
            },
          },
        },
        responses: {
          "200": { description: "GitHub's feedback: one entry per match, in order.", content: { "application/json": { schema: githubFeedbackSchema } } },
          "400": problem("`Request.MalformedJson` or `Request.Invalid`: signed, but not an array of `{ token, type, url, source }`. Nothing revoked."),
          "401": problem(
            "Nothing revoked: `SecretScanning.SignatureRequired` (a header missing), `SecretScanning.UnknownKey` (the identifier is not in GitHub's list, fetched for this very report), `SecretScanning.InvalidSignature`. Missing and invalid signatures count against the address's `RATE_LIMIT_AUTH_FAILURES_PER_MINUTE`.",
          ),
          "413": problem(`\`Request.TooLarge\`: the body is over ${GITHUB_REPORT_MAX_BYTES / 1024 / 1024} MiB.`),
          "429": problem(
            "`RateLimit.Exceeded`: too many failed signatures from this address (`RATE_LIMIT_AUTH_FAILURES_PER_MINUTE`; then every report is refused before its body is read), " +
              "too many reports we could not check (`RATE_LIMIT_GITHUB_UNVERIFIED_PER_MINUTE`; only such reports are refused), or more than 2 bodies being read at once for this address.",
          ),
          "503": problem(
            "Nothing revoked, retry after `Retry-After`: `SecretScanning.KeysUnavailable`: GitHub's key list cannot be fetched, so the signature cannot be checked. " +
              "`SecretScanning.KeyNotYetKnown`: the identifier is not in the list as last fetched and the list is fetched at most once a minute (GitHub may have just published the key). " +
              "`Service.Busy`: too many bodies being read at once. `Service.Unavailable`: the database.",
          ),
          default: common.default,
        },
      },
    },
  };
}
