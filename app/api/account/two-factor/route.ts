import { json, notAllowed, withAccount } from "@/lib/http/route";
import { twoFactorStatusSchema } from "@/lib/two-factor/schemas";
import { twoFactorStatus } from "@/lib/two-factor/two-factor";

/** The caller's second factors: authenticator app on or off, passkeys, recovery codes left. People only. */
export const GET = withAccount(async ({ principal }) => json(twoFactorStatusSchema.parse(await twoFactorStatus(principal.userId))));

export const { POST, PUT, PATCH, DELETE } = notAllowed(["GET"]);
