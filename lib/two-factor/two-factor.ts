import "server-only";
// Second factors: the authenticator app (TOTP, RFC 6238: SHA-1, 6 digits,
// 30 s, one step either side) and single-use recovery codes. The TOTP secret
// is stored sealed (AES-256-GCM, key derived from AUTH_SECRET), recovery codes
// as HMAC-SHA-256 only. A code is accepted once: the last accepted time step
// is kept and only a later one passes (one conditional UPDATE, race-free).
// Sign-in asks here (verifySecondFactor); passkeys will join as another
// UserFactor type and answer the same questions.
import { createHmac, hkdfSync, randomInt } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { endAllSessions } from "@/lib/auth/sessions";
import { db, type Tx } from "@/lib/db/client";
import { env } from "@/lib/env";
import type { RequestMeta } from "@/lib/http/request-meta";
import { logger } from "@/lib/log";
import { enqueueEmail, mailConfigured } from "@/lib/mail/outbox";
import { seal, unseal } from "@/lib/mail/seal";
import type { Email } from "@/lib/mail/templates";
import { factorAddedEmail, factorRemovedEmail, recoveryCodesRegeneratedEmail, recoveryCodeUsedEmail } from "./emails";
import { TwoFactorProblems } from "./problems";
import { RECOVERY_ALPHABET, RECOVERY_CODE_COUNT, TOTP_DIGITS, TOTP_PERIOD_SECONDS, type TotpEnrolment, type TwoFactorStatus } from "./schemas";

const ISSUER = "Dolfin";
const APP = "authenticator app";

function totp(secretBase32: string, label: string): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: "SHA1", digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** The time step a code belongs to (now, one before or one after), or null. */
export function matchingStep(secretBase32: string, code: string, now = Date.now()): bigint | null {
  const t = totp(secretBase32, "check");
  const delta = t.validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : BigInt(t.counter({ timestamp: now }) + delta);
}

function recoveryKey(): Buffer {
  return Buffer.from(hkdfSync("sha256", env().AUTH_SECRET, "dolfin-recovery-codes", "recovery code hash", 32));
}

/** HMAC-SHA-256 of a normalised recovery code: the database alone cannot test guesses. */
export function hashRecoveryCode(normalised: string): string {
  return createHmac("sha256", recoveryKey()).update(normalised).digest("hex");
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const c = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join("");
    return `${c.slice(0, 5)}-${c.slice(5)}`;
  });
}

/** Serialise a person's factor changes (one authenticator app each; no double enrolment). */
export async function lockUser(tx: Tx, userId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM "User" WHERE id = ${userId}::uuid FOR NO KEY UPDATE`;
}

export async function queueEmail(tx: Tx, to: string, e: Email & { subjectId: string }): Promise<void> {
  if (mailConfigured()) await enqueueEmail(tx, { ...e, to });
}

export async function twoFactorStatus(userId: string): Promise<TwoFactorStatus> {
  const [factors, left] = await Promise.all([
    db().userFactor.findMany({ where: { userId, confirmedAt: { not: null } }, select: { id: true, type: true, name: true, createdAt: true, lastUsedAt: true }, orderBy: { createdAt: "asc" } }),
    db().recoveryCode.count({ where: { userId, usedAt: null } }),
  ]);
  const passkeys = factors
    .filter((f) => f.type === "Passkey")
    .map((f) => ({ id: f.id, name: f.name ?? "Passkey", createdAt: f.createdAt.toISOString(), lastUsedAt: f.lastUsedAt?.toISOString() ?? null }));
  return { totp: factors.some((f) => f.type === "Totp"), passkeys, recoveryCodesLeft: left };
}

/** Whether sign-in must ask this person for a second factor. */
export async function hasSecondFactor(userId: string): Promise<boolean> {
  return (await db().userFactor.count({ where: { userId, confirmedAt: { not: null } } })) > 0;
}

/** Start (or restart) setting up an authenticator app: a new secret, pending until a code confirms it. */
export async function startTotpEnrolment(user: { userId: string; email: string }): Promise<TotpEnrolment> {
  const secret = new Secret({ size: 20 }).base32;
  await db().$transaction(async (tx) => {
    await lockUser(tx, user.userId);
    const existing = await tx.userFactor.findFirst({ where: { userId: user.userId, type: "Totp" }, select: { id: true, confirmedAt: true } });
    if (existing?.confirmedAt) throw TwoFactorProblems.alreadyEnabled();
    if (existing) await tx.userFactor.delete({ where: { id: existing.id } });
    await tx.userFactor.create({ data: { userId: user.userId, type: "Totp", secretSealed: seal(secret, undefined, "totp secret") } });
  });
  logger.info({ event: "totp enrolment started", userId: user.userId }, "authenticator app enrolment started");
  return { secret, otpauthUrl: totp(secret, user.email).toString() };
}

/** Confirm the pending authenticator app with its first code; answers ten new recovery codes (shown once). */
export async function confirmTotpEnrolment(user: { userId: string; email: string }, code: string): Promise<{ recoveryCodes: string[] }> {
  const codes = newRecoveryCodes();
  await db().$transaction(async (tx) => {
    await lockUser(tx, user.userId);
    const f = await tx.userFactor.findFirst({ where: { userId: user.userId, type: "Totp" }, select: { id: true, confirmedAt: true, secretSealed: true } });
    if (f?.confirmedAt) throw TwoFactorProblems.alreadyEnabled();
    if (!f?.secretSealed) throw TwoFactorProblems.noPendingEnrolment();
    const step = matchingStep(unseal(f.secretSealed, undefined, "totp secret"), code);
    if (step === null) throw TwoFactorProblems.invalidConfirmCode();
    const now = new Date();
    // The confirming code is used: it cannot then sign in as well.
    await tx.userFactor.update({ where: { id: f.id }, data: { confirmedAt: now, lastUsedStep: step, lastUsedAt: now } });
    await tx.recoveryCode.deleteMany({ where: { userId: user.userId } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId: user.userId, codeHash: hashRecoveryCode(c.replace("-", "")) })) });
    await queueEmail(tx, user.email, { ...factorAddedEmail({ what: APP, when: now }), subjectId: user.userId });
  });
  logger.info({ event: "totp enabled", userId: user.userId }, "authenticator app confirmed");
  return { recoveryCodes: codes };
}

/**
 * Accept a TOTP code once: the factor's last step moves forward only if this
 * code's step is later, in one statement, so two requests racing with one
 * code cannot both pass.
 */
async function spendTotpCode(userId: string, code: string): Promise<boolean> {
  const f = await db().userFactor.findFirst({ where: { userId, type: "Totp", confirmedAt: { not: null } }, select: { id: true, secretSealed: true } });
  if (!f?.secretSealed) return false;
  const step = matchingStep(unseal(f.secretSealed, undefined, "totp secret"), code);
  if (step === null) return false;
  const n = await db().$executeRaw`
    UPDATE "UserFactor" SET "lastUsedStep" = ${step}, "lastUsedAt" = now()
    WHERE id = ${f.id}::uuid AND ("lastUsedStep" IS NULL OR "lastUsedStep" < ${step})`;
  return n === 1;
}

/** Spend one recovery code (once, race-free); emails how many are left. */
async function spendRecoveryCode(user: { id: string; email: string }, normalised: string, ip: string | null): Promise<boolean> {
  return db().$transaction(async (tx) => {
    const n = await tx.recoveryCode.updateMany({ where: { userId: user.id, codeHash: hashRecoveryCode(normalised), usedAt: null }, data: { usedAt: new Date() } });
    if (n.count !== 1) return false;
    const left = await tx.recoveryCode.count({ where: { userId: user.id, usedAt: null } });
    await queueEmail(tx, user.email, { ...recoveryCodeUsedEmail({ left, when: new Date(), ip }), subjectId: user.id });
    logger.info({ event: "recovery code used", userId: user.id, left }, "recovery code used");
    return true;
  });
}

export type SecondFactorProof = { otp?: string; recoveryCode?: string };

/** The method that proved it ("otp" or "rc", RFC 8176 style), or null when the proof is wrong or spent. */
export async function verifySecondFactor(user: { id: string; email: string }, proof: SecondFactorProof, ip: string | null): Promise<"otp" | "rc" | null> {
  if (proof.otp !== undefined) return (await spendTotpCode(user.id, proof.otp)) ? "otp" : null;
  if (proof.recoveryCode !== undefined) return (await spendRecoveryCode(user, proof.recoveryCode, ip)) ? "rc" : null;
  return null;
}

/** Whether `code` is a current, unused code of this person's authenticator app (and spend it). */
export async function checkTotpCode(userId: string, code: string): Promise<boolean> {
  return spendTotpCode(userId, code);
}

/** Remove the authenticator app (the caller has proved it is them); with no factor left, the recovery codes go too. */
export async function removeTotp(user: { userId: string; email: string }): Promise<void> {
  await db().$transaction(async (tx) => {
    await lockUser(tx, user.userId);
    const n = await tx.userFactor.deleteMany({ where: { userId: user.userId, type: "Totp", confirmedAt: { not: null } } });
    if (n.count === 0) throw TwoFactorProblems.notEnabled();
    await tx.userFactor.deleteMany({ where: { userId: user.userId, type: "Totp" } });
    if ((await tx.userFactor.count({ where: { userId: user.userId } })) === 0) await tx.recoveryCode.deleteMany({ where: { userId: user.userId } });
    const left = await tx.userFactor.count({ where: { userId: user.userId, confirmedAt: { not: null } } });
    await queueEmail(tx, user.email, { ...factorRemovedEmail({ what: APP, when: new Date(), byOperator: false, othersLeft: left > 0 }), subjectId: user.userId });
  });
  logger.info({ event: "totp removed", userId: user.userId }, "authenticator app removed");
}

/**
 * Ten new recovery codes for a person with a second factor (the caller has a recent proof): every old
 * code, used or not, stops working in the same transaction; each of their Clients' audit trails records
 * it and they are emailed. Answers the codes (shown once; only their hashes are kept). The new codes
 * replace the old ones: requests at once wait for each other on the person's row lock (lockUser), so each
 * answer's codes were the valid set when answered and the last one stays.
 */
export async function regenerateRecoveryCodes(user: { userId: string; email: string }, meta: Pick<RequestMeta, "ip" | "userAgent">): Promise<{ recoveryCodes: string[] }> {
  const codes = newRecoveryCodes();
  await db().$transaction(async (tx) => {
    await lockUser(tx, user.userId);
    if ((await tx.userFactor.count({ where: { userId: user.userId, confirmedAt: { not: null } } })) === 0) throw TwoFactorProblems.noSecondFactor();
    const old = await tx.recoveryCode.deleteMany({ where: { userId: user.userId } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId: user.userId, codeHash: hashRecoveryCode(c.replace("-", "")) })) });
    const memberships = await tx.clientMember.findMany({ where: { userId: user.userId }, select: { clientId: true } });
    for (const m of memberships) {
      await recordAuditEvent(tx, {
        clientId: m.clientId,
        action: "user.recoveryCodesRegenerated",
        actor: { type: "user", userId: user.userId, label: user.email },
        target: { type: "user", id: user.userId, label: user.email },
        metadata: { replaced: old.count, issued: codes.length },
        meta,
      });
    }
    await queueEmail(tx, user.email, { ...recoveryCodesRegeneratedEmail({ when: new Date(), ip: meta.ip }), subjectId: user.userId });
  });
  logger.info({ event: "recovery codes regenerated", userId: user.userId }, "recovery codes regenerated");
  return { recoveryCodes: codes };
}

/**
 * The operator's reset for someone locked out: every factor and recovery code
 * goes, every session and token ends, and each of their Clients' audit trails
 * records it.
 */
export async function resetTwoFactor(email: string, actor: { label: string }, meta: Pick<RequestMeta, "ip" | "userAgent">): Promise<{ userId: string; factors: number; recoveryCodes: number } | null> {
  const user = await db().user.findUnique({ where: { email }, select: { id: true, email: true, memberships: { select: { clientId: true } } } });
  if (!user) return null;
  const out = await db().$transaction(async (tx) => {
    await lockUser(tx, user.id);
    const factors = await tx.userFactor.deleteMany({ where: { userId: user.id } });
    const codes = await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
    for (const m of user.memberships) {
      await recordAuditEvent(tx, {
        clientId: m.clientId,
        action: "user.twoFactorReset",
        actor: { type: "operator", label: actor.label },
        target: { type: "user", id: user.id, label: user.email },
        metadata: { factors: factors.count, recoveryCodes: codes.count, sessionsEnded: true },
        meta,
      });
    }
    await queueEmail(tx, user.email, { ...factorRemovedEmail({ what: "second factors", when: new Date(), byOperator: true }), subjectId: user.id });
    return { userId: user.id, factors: factors.count, recoveryCodes: codes.count };
  });
  await endAllSessions(user.id);
  logger.info({ event: "two-factor reset", userId: user.id, factors: out.factors }, "second factors reset by the operator");
  return out;
}
