import { z } from "zod";
import { assertRecentProof } from "@/lib/auth/sudo";
import { readJsonBody } from "@/lib/http/body";
import { json, noContent, notAllowed, withAccount } from "@/lib/http/route";
import { removePasskey, renamePasskey } from "@/lib/passkeys/passkeys";
import { PasskeyProblems } from "@/lib/passkeys/problems";
import { passkeySchema, renamePasskeySchema } from "@/lib/passkeys/schemas";

const idOf = (id: string) => {
  const p = z.uuid().safeParse(id);
  if (!p.success) throw PasskeyProblems.notFound();
  return p.data;
};

/** Rename one of your passkeys. */
export const PATCH = withAccount<{ id: string }>(async ({ req, principal, params }) => {
  const { name } = renamePasskeySchema.parse(await readJsonBody(req));
  return json(passkeySchema.parse(await renamePasskey(principal.userId, idOf(params.id), name)));
});

/** Remove one of your passkeys (the owner is emailed; with no second factor left, the recovery codes go too). */
export const DELETE = withAccount<{ id: string }>(async ({ principal, params }) => {
  assertRecentProof(principal, "factors:write");
  await removePasskey(principal, idOf(params.id));
  return noContent();
});

export const { GET, PUT, POST } = notAllowed(["PATCH", "DELETE"]);
