import { assertRecentProof } from "@/lib/auth/sudo";
import { getKeyPolicy, updateKeyPolicy } from "@/lib/clients/key-policy";
import { keyPolicySchema } from "@/lib/clients/schemas";
import { readJsonBody } from "@/lib/http/body";
import { json, notAllowed, withAuth } from "@/lib/http/route";

export const GET = withAuth({ permission: "apiKeys:read" }, async ({ principal }) => json(await getKeyPolicy(principal.clientId)));

export const PUT = withAuth({ permission: "policy:write" }, async ({ req, principal, meta }) => {
  assertRecentProof(principal, "policy:write");
  const policy = keyPolicySchema.parse(await readJsonBody(req));
  return json(await updateKeyPolicy(principal, policy, meta));
});

export const { POST, PATCH, DELETE } = notAllowed(["GET", "PUT"]);
