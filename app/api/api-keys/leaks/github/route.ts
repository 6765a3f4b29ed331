import { reportGitHubLeaks, verifiedGitHubReport } from "@/lib/api-keys/github-secret-scanning";
import { githubFeedbackSchema } from "@/lib/api-keys/github-schemas";
import { json, notAllowed, withPublic } from "@/lib/http/route";

/** GitHub secret scanning's partner endpoint: a signed report in, GitHub's feedback out. */
export const POST = withPublic(async ({ req, meta }) => {
  const matches = await verifiedGitHubReport(req, meta);
  return json(githubFeedbackSchema.parse(await reportGitHubLeaks(matches, meta)));
});

export const { GET, PUT, PATCH, DELETE } = notAllowed(["POST"]);
