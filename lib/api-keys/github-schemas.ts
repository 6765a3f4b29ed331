// GitHub secret scanning's partner protocol: the report GitHub sends and the
// feedback we answer (shared by the route and the OpenAPI document).
import { z } from "zod";

/** What we register with GitHub: one token type per key prefix (lib/api-keys/key-format.ts), and its pattern. */
export const GITHUB_TOKEN_TYPES = [
  { type: "dolfin_live_api_key", pattern: "dol_live_[0-9A-Za-z]{49}", what: "a Live Client's key" },
  { type: "dolfin_test_api_key", pattern: "dol_test_[0-9A-Za-z]{49}", what: "a Sandbox Client's key" },
] as const;

/** A report's body may be this big (GitHub batches many matches in one request). */
export const GITHUB_REPORT_MAX_BYTES = 1024 * 1024;

export const githubReportSchema = z
  .array(
    z
      .object({
        token: z.string({ error: "token must be a string." }).describe("The string that matched one of our patterns."),
        type: z.string({ error: "type must be a string." }).max(200).describe("The token type it matched (dolfin_live_api_key or dolfin_test_api_key)."),
        url: z.string({ error: "url must be a string." }).max(10_000).nullish().describe("The public URL where it was found (may be empty)."),
        source: z.string({ error: "source must be a string." }).max(200).nullish().describe("Where on GitHub: content, commit, issue_comment, gist_content, npm…"),
      })
      .meta({ id: "GitHubSecretScanningMatch" }),
    { error: "The body must be a JSON array of matches." },
  )
  .meta({ id: "GitHubSecretScanningReport" });

export type GitHubMatch = z.output<typeof githubReportSchema>[number];

export const githubFeedbackSchema = z
  .array(
    z
      .strictObject({
        token_hash: z.string().regex(/^[0-9a-f]{64}$/).meta({ description: "SHA-256 of the token, hex.", example: "d6d9924ef962715476a6bc601ef06ffc1e342279c652ac54e70252c72522aa4a" }),
        token_type: z.string().meta({ description: "The type GitHub reported it under.", example: "dolfin_live_api_key" }),
        label: z.enum(["true_positive", "false_positive"]).describe("true_positive: a key we issued (revoked now if it was live); false_positive: anything else."),
      })
      .meta({ id: "GitHubSecretScanningFeedback" }),
  )
  .meta({ id: "GitHubSecretScanningFeedbackList" });

export type GitHubFeedback = z.output<typeof githubFeedbackSchema>;
