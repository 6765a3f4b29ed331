import "server-only";
// Passkeys (WebAuthn, via @simplewebauthn/server): discoverable credentials
// with user verification required. A passkey is a UserFactor (type Passkey):
// a second factor after the password, and a whole sign-in by itself.
// Challenges live in WebAuthnChallenge rows: made by an options request,
// spent (deleted) by the first response that carries them, dead after 5
// minutes; a replayed response finds no challenge. The relying party is
// APP_URL's hostname and origin.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { factorAddedEmail, factorRemovedEmail } from "@/lib/two-factor/emails";
import { hashRecoveryCode, lockUser, newRecoveryCodes, queueEmail } from "@/lib/two-factor/two-factor";
import { PasskeyProblems } from "./problems";
import { authenticationResponseSchema, registrationResponseSchema, type AuthenticationResponse, type PasskeyInfo } from "./schemas";

const CHALLENGE_MS = 5 * 60 * 1000;
const MAX_PASSKEYS = 20;
/** Live challenges kept per person (options made for them): a new one past this deletes their oldest. */
const MAX_CHALLENGES_PER_USER = 5;
/** The challenges this app makes: 32 random bytes, base64url without padding (@simplewebauthn/server's default). */
const CHALLENGE_RE = /^[A-Za-z0-9_-]{43}$/;
/**
 * What a challenge is for: "register" (adding a passkey, the person's), "authenticate" (a sign-in or
 * its second step: made for anybody, userId null), "reauthenticate" (sudo mode: the person's only).
 * A challenge serves only its own purpose.
 */
export type Purpose = "register" | "authenticate" | "reauthenticate";

/** The relying party: APP_URL (http://localhost:PORT in development without it). */
export function relyingParty(): { id: string; origin: string; name: string } {
  const url = new URL(env().APP_URL ?? `http://localhost:${process.env.PORT ?? 3000}`);
  return { id: url.hostname, origin: url.origin, name: "Dolfin" };
}

async function storeChallenge(challenge: string, purpose: Purpose, userId: string | null): Promise<void> {
  await db().webAuthnChallenge.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  if (userId) {
    // A person holds a handful of live challenges at most: the oldest beyond that go (ids are UUIDv7, time-ordered).
    const older = await db().webAuthnChallenge.findMany({ where: { userId }, orderBy: { id: "desc" }, skip: MAX_CHALLENGES_PER_USER - 1, select: { id: true } });
    if (older.length > 0) await db().webAuthnChallenge.deleteMany({ where: { id: { in: older.map((c) => c.id) } } });
  }
  await db().webAuthnChallenge.create({ data: { challenge, purpose, userId, expiresAt: new Date(Date.now() + CHALLENGE_MS) } });
}

/**
 * The challenge a response was made for (from its clientDataJSON), or a 400 when that is unreadable or is
 * not one this app could have made (base64url of 32 bytes): nothing else reaches the database.
 */
export function challengeOf(clientDataJSON: string): string {
  try {
    const c = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as { challenge?: unknown } | null;
    if (c !== null && typeof c === "object" && typeof c.challenge === "string" && CHALLENGE_RE.test(c.challenge)) return c.challenge;
  } catch {
    // fall through
  }
  throw PasskeyProblems.malformed("clientDataJSON is not base64url JSON with a challenge.");
}

/**
 * Spend a challenge once: true only for the first caller, within its time, for its purpose and person.
 * A sign-in's ("authenticate") was made for anybody (userId null); a registration's or a
 * re-authentication's only for that person, so a sign-in challenge never proves it is you again.
 */
async function spendChallenge(challenge: string, purpose: Purpose, userId: string | null): Promise<boolean> {
  const where = { challenge, purpose, expiresAt: { gt: new Date() }, userId: purpose === "authenticate" ? null : userId };
  if (purpose !== "authenticate" && !userId) return false;
  return (await db().webAuthnChallenge.deleteMany({ where })).count === 1;
}

function toInfo(f: { id: string; name: string | null; createdAt: Date; lastUsedAt: Date | null }): PasskeyInfo {
  return { id: f.id, name: f.name ?? "Passkey", createdAt: f.createdAt.toISOString(), lastUsedAt: f.lastUsedAt?.toISOString() ?? null };
}

/** Options for adding a passkey (navigator.credentials.create): resident key and user verification required. */
export async function passkeyRegistrationOptions(user: { userId: string; email: string; name: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty();
  const mine = await db().userFactor.findMany({ where: { userId: user.userId, type: "Passkey" }, select: { credentialId: true, transports: true } });
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: new TextEncoder().encode(user.userId),
    userName: user.email,
    userDisplayName: user.name || user.email,
    attestationType: "none",
    timeout: CHALLENGE_MS,
    excludeCredentials: mine.filter((f) => f.credentialId).map((f) => ({ id: f.credentialId!, transports: f.transports as AuthenticatorTransportFuture[] })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    supportedAlgorithmIDs: [-7, -257],
  });
  await storeChallenge(options.challenge, "register", user.userId);
  return options;
}

/**
 * Add a passkey from the browser's response. The first second factor of an
 * account also gets ten recovery codes (answered once), as an authenticator
 * app's does; the owner is emailed.
 */
export async function addPasskey(user: { userId: string; email: string }, name: string, input: unknown): Promise<{ passkey: PasskeyInfo; recoveryCodes: string[] | null }> {
  const parsed = registrationResponseSchema.safeParse(input);
  if (!parsed.success) throw PasskeyProblems.malformed();
  const response = parsed.data;
  const challenge = challengeOf(response.response.clientDataJSON);
  if (!(await spendChallenge(challenge, "register", user.userId))) throw PasskeyProblems.registrationFailed("These options are unknown, expired or already used: start again.");
  const rp = relyingParty();
  let info;
  try {
    const v = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true });
    if (!v.verified || !v.registrationInfo) throw new Error("not verified");
    info = v.registrationInfo;
  } catch (err) {
    logger.info({ event: "passkey registration refused", userId: user.userId, reason: err instanceof Error ? err.message : String(err) }, "passkey registration refused");
    throw PasskeyProblems.registrationFailed();
  }
  const codes = newRecoveryCodes();
  const now = new Date();
  const { row, issued } = await db().$transaction(async (tx) => {
    await lockUser(tx, user.userId);
    if ((await tx.userFactor.count({ where: { userId: user.userId, type: "Passkey" } })) >= MAX_PASSKEYS) {
      throw PasskeyProblems.registrationFailed(`At most ${MAX_PASSKEYS} passkeys: remove one first.`);
    }
    if (await tx.userFactor.findUnique({ where: { credentialId: info.credential.id }, select: { id: true } })) throw PasskeyProblems.alreadyRegistered();
    const first = (await tx.userFactor.count({ where: { userId: user.userId, confirmedAt: { not: null } } })) === 0;
    const hasCodes = (await tx.recoveryCode.count({ where: { userId: user.userId, usedAt: null } })) > 0;
    const row = await tx.userFactor.create({
      data: {
        userId: user.userId,
        type: "Passkey",
        name,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey),
        signCount: BigInt(info.credential.counter),
        transports: info.credential.transports ?? response.response.transports ?? [],
        confirmedAt: now,
      },
    });
    const issued = first && !hasCodes;
    if (issued) {
      await tx.recoveryCode.deleteMany({ where: { userId: user.userId } });
      await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId: user.userId, codeHash: hashRecoveryCode(c.replace("-", "")) })) });
    }
    await queueEmail(tx, user.email, { ...factorAddedEmail({ what: `passkey (“${name}”)`, when: now, passkey: true }), subjectId: user.userId });
    return { row, issued };
  });
  logger.info({ event: "passkey added", userId: user.userId, factorId: row.id }, "passkey added");
  return { passkey: toInfo(row), recoveryCodes: issued ? codes : null };
}

export async function renamePasskey(userId: string, id: string, name: string): Promise<PasskeyInfo> {
  const n = await db().userFactor.updateMany({ where: { id, userId, type: "Passkey" }, data: { name } });
  if (n.count !== 1) throw PasskeyProblems.notFound();
  return toInfo((await db().userFactor.findUniqueOrThrow({ where: { id } })));
}

/** Remove one of the caller's passkeys; with no factor left, the recovery codes go too. */
export async function removePasskey(user: { userId: string; email: string }, id: string): Promise<void> {
  await db().$transaction(async (tx) => {
    await lockUser(tx, user.userId);
    const f = await tx.userFactor.findFirst({ where: { id, userId: user.userId, type: "Passkey" }, select: { id: true, name: true } });
    if (!f) throw PasskeyProblems.notFound();
    await tx.userFactor.delete({ where: { id: f.id } });
    const left = await tx.userFactor.count({ where: { userId: user.userId, confirmedAt: { not: null } } });
    if ((await tx.userFactor.count({ where: { userId: user.userId } })) === 0) await tx.recoveryCode.deleteMany({ where: { userId: user.userId } });
    await queueEmail(tx, user.email, { ...factorRemovedEmail({ what: `passkey “${f.name ?? "Passkey"}”`, when: new Date(), byOperator: false, othersLeft: left > 0 }), subjectId: user.userId });
  });
  logger.info({ event: "passkey removed", userId: user.userId, factorId: id }, "passkey removed");
}

/** Whether this person has a passkey (the re-authentication dialog offers it then). */
export async function hasPasskey(userId: string): Promise<boolean> {
  return (await db().userFactor.count({ where: { userId, type: "Passkey", confirmedAt: { not: null } } })) > 0;
}

/**
 * Options for proving it is you with a passkey (navigator.credentials.get).
 * userId null: a sign-in (or its second step) by a discoverable passkey (empty
 * allowCredentials: the authenticator offers the site's passkeys). With a
 * userId (a re-authentication): that person's passkeys, and the challenge is
 * theirs only, for re-authentication only.
 */
export async function passkeyAuthenticationOptions(userId: string | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const mine = userId ? await db().userFactor.findMany({ where: { userId, type: "Passkey" }, select: { credentialId: true, transports: true } }) : [];
  const options = await generateAuthenticationOptions({
    rpID: relyingParty().id,
    userVerification: "required",
    timeout: CHALLENGE_MS,
    allowCredentials: mine.filter((f) => f.credentialId).map((f) => ({ id: f.credentialId!, transports: f.transports as AuthenticatorTransportFuture[] })),
  });
  await storeChallenge(options.challenge, userId ? "reauthenticate" : "authenticate", userId);
  return options;
}

/** An assertion's shape and challenge, or a 400 Passkey.MalformedResponse (checked before any limit is spent). */
export function readAssertion(input: unknown): { response: AuthenticationResponse; challenge: string } {
  const parsed = authenticationResponseSchema.safeParse(input);
  if (!parsed.success) throw PasskeyProblems.malformed();
  return { response: parsed.data, challenge: challengeOf(parsed.data.response.clientDataJSON) };
}

/**
 * Verify a passkey assertion (sign-in, a second step, or a re-authentication).
 * userId: the person who must own the passkey, or null for a sign-in by any
 * discoverable passkey. The challenge is the one the options request stored
 * (read from the response's clientDataJSON, spent here, once): purpose
 * "authenticate" (sign-in, second step) spends only a sign-in's challenge,
 * "reauthenticate" only one made for this person's re-authentication. A
 * userHandle, when given, must be the passkey's owner's (WebAuthn §7.2). On success the signature counter
 * and lastUsedAt move forward. Throws a 400 ApiError (Passkey.MalformedResponse)
 * for a response that is not WebAuthn-shaped; answers null for one that does
 * not verify (unknown credential, someone else's, wrong origin or RP, spent or
 * expired challenge, bad signature, counter gone backwards: callers answer 401).
 */
export async function verifyPasskeyAssertion(
  userId: string | null,
  input: unknown,
  purpose: "authenticate" | "reauthenticate" = "authenticate",
): Promise<{ userId: string; factorId: string } | null> {
  const { response, challenge } = readAssertion(input);
  const f = await db().userFactor.findUnique({
    where: { credentialId: response.id },
    select: { id: true, userId: true, type: true, publicKey: true, signCount: true, transports: true, confirmedAt: true },
  });
  // Spend the challenge whatever follows: a response is tried once.
  const spent = await spendChallenge(challenge, purpose, userId);
  if (!spent || !f || f.type !== "Passkey" || !f.publicKey || !f.confirmedAt || (userId !== null && f.userId !== userId)) return null;
  // The handle the authenticator names (the userID given at registration: the owner's id) must be the owner's.
  const handle = response.response.userHandle;
  if (handle !== undefined && Buffer.from(handle, "base64url").toString("utf8") !== f.userId) {
    logger.info({ event: "passkey assertion refused", factorId: f.id, reason: "userHandle is not the owner's" }, "passkey assertion refused");
    return null;
  }
  const rp = relyingParty();
  try {
    const v = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: { id: response.id, publicKey: new Uint8Array(f.publicKey), counter: Number(f.signCount ?? 0), transports: f.transports as AuthenticatorTransportFuture[] },
    });
    if (!v.verified) return null;
    const next = BigInt(v.authenticationInfo.newCounter);
    // Counter and last use move forward together; a parallel use with the same or an older count loses.
    const n = await db().userFactor.updateMany({
      where: { id: f.id, OR: [{ signCount: { lt: next } }, ...(next === 0n ? [{ signCount: 0n }] : [])] },
      data: { signCount: next, lastUsedAt: new Date() },
    });
    return n.count === 1 ? { userId: f.userId, factorId: f.id } : null;
  } catch (err) {
    logger.info({ event: "passkey assertion refused", factorId: f.id, reason: err instanceof Error ? err.message : String(err) }, "passkey assertion refused");
    return null;
  }
}
