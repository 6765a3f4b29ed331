// The session store: every browser sign-in and every Bearer token is a Session
// row whose id the token carries (`sid`). Whether a session is still alive is
// read with the user's access on every request (lib/auth/memberships.ts
// userAccess, next-auth's jwt callback): ending one refuses it at once, on
// every instance. No "server-only" import: lib/auth/principal.ts loads it.
import { db, type Tx } from "@/lib/db/client";
import { isUuid } from "@/lib/http/keyset";
import { logger } from "@/lib/log";
import { enqueueEmail, mailConfigured } from "@/lib/mail/outbox";
import { newSignInEmail } from "@/lib/mail/templates";
import { Prisma } from "@/lib/generated/prisma/client";
import { describeDevice } from "./user-agent";

export type SessionKind = "browser" | "token";

/** The user's session version and whether session `id` is alive (not ended), in one query; null: no such user. */
export async function sessionState(userId: string, id: string | null): Promise<{ sessionVersion: number; sessionAlive: boolean } | null> {
  if (!isUuid(userId)) return null;
  const rows = await db().$queryRaw<{ sessionVersion: number; sessionAlive: boolean }[]>(Prisma.sql`
    SELECT u."sessionVersion", EXISTS (SELECT 1 FROM "Session" s WHERE s.id = ${id}::uuid AND s."userId" = u.id AND s."endedAt" IS NULL) AS "sessionAlive"
    FROM "User" u WHERE u.id = ${userId}::uuid`);
  return rows[0] ?? null;
}

/** A token or cookie lives 8 hours (lib/auth/config.ts SESSION_MAX_AGE_SECONDS; not imported: that module loads next-auth). */
const LIFETIME_MS = 8 * 3_600_000;
/** Sign-ins are compared with the sessions of this many days; ended and expired rows are kept as long. */
export const SESSION_MEMORY_DAYS = 30;
const DAY = 86_400_000;

/**
 * A new session for a sign-in that just passed (any method: password, passkey),
 * and, when the device (browser and system) or the address is one the person
 * has not used in their sessions of the last 30 days, an email to them
 * (never for their very first session). Returns the id the token carries as `sid`.
 */
export async function createSession(userId: string, kind: SessionKind, meta: { ip: string | null; userAgent: string | null }): Promise<string> {
  const ip = meta.ip?.slice(0, 64) ?? null;
  const userAgent = meta.userAgent?.slice(0, 512) ?? null;
  return db().$transaction(async (tx) => {
    const since = new Date(Date.now() - SESSION_MEMORY_DAYS * DAY);
    const recent = await tx.session.findMany({
      where: { userId, OR: [{ createdAt: { gte: since } }, { lastSeenAt: { gte: since } }] },
      select: { ip: true, userAgent: true },
      orderBy: { createdAt: "desc" },
      take: 500,
    });
    const session = await tx.session.create({ data: { userId, kind, ip, userAgent }, select: { id: true, createdAt: true } });
    const device = describeDevice(userAgent);
    const known = recent.some((s) => describeDevice(s.userAgent) === device) && recent.some((s) => s.ip === ip);
    if (!known && mailConfigured()) {
      const first = recent.length === 0 && (await tx.session.count({ where: { userId, id: { not: session.id } }, take: 1 })) === 0;
      if (!first) await notifyNewSignIn(tx, userId, { device, ip, when: session.createdAt });
    }
    return session.id;
  });
}

async function notifyNewSignIn(tx: Tx, userId: string, s: { device: string; ip: string | null; when: Date }): Promise<void> {
  const user = await tx.user.findUnique({ where: { id: userId }, select: { email: true, name: true } });
  if (user) await enqueueEmail(tx, { ...newSignInEmail({ name: user.name, ...s }), to: user.email, subjectId: userId });
}

/** The `where` of a session that is alive now: not ended, not expired (a token lives 8 h from issue, a browser's cookie 8 h from its last use). */
function live(now: Date): Prisma.SessionWhereInput {
  const horizon = new Date(now.getTime() - LIFETIME_MS);
  return { endedAt: null, OR: [{ kind: "token", createdAt: { gt: horizon } }, { kind: "browser", lastSeenAt: { gt: horizon } }] };
}

export type SessionView = { id: string; current: boolean; kind: SessionKind; createdAt: string; lastSeenAt: string; ip: string | null; userAgent: string | null };

/** A person's live sessions, newest first; `current`: the one asking. */
export async function listSessions(userId: string, currentId: string | null): Promise<SessionView[]> {
  const rows = await db().session.findMany({
    where: { userId, ...live(new Date()) },
    select: { id: true, kind: true, createdAt: true, lastSeenAt: true, ip: true, userAgent: true },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 200,
  });
  return rows.map((r) => ({ ...r, current: r.id === currentId, createdAt: r.createdAt.toISOString(), lastSeenAt: r.lastSeenAt.toISOString() }));
}

/** End one of the person's own live sessions; false when the id is not one (unknown, someone else's, already over). */
export async function endSession(userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  // Any session not ended yet, whatever its age: one whose cookie is still accepted must be endable.
  const { count } = await db().session.updateMany({ where: { id: id.toLowerCase(), userId, endedAt: null }, data: { endedAt: new Date() } });
  if (count > 0) logger.info({ event: "session ended", userId, sessionId: id }, "session ended");
  return count > 0;
}

/**
 * "Sign out everywhere": every session cookie and Bearer token the user holds
 * stops working on its next request, on every instance (the version is read
 * from the database with the roles on each request; tokens from before
 * sessions had ids have only the version), and their sessions are marked
 * ended. `change`: more of the user to update in the same transaction (a new password).
 */
export async function endAllSessions(userId: string, change: Prisma.UserUpdateInput = {}): Promise<void> {
  const now = new Date();
  await db().$transaction([
    db().user.update({ where: { id: userId }, data: { ...change, sessionVersion: { increment: 1 } } }),
    db().session.updateMany({ where: { userId, endedAt: null }, data: { endedAt: now } }),
  ]);
  logger.info({ event: "sessions ended", userId }, "signed out everywhere");
}

/** At most one lastSeenAt write per session per minute (per instance here, and across instances in SQL). */
export const LAST_SEEN_WRITE_INTERVAL_MS = 60_000;
const g = globalThis as unknown as { __dolfinSessionSeen?: Map<string, number> };
const lastWrite = (g.__dolfinSessionSeen ??= new Map());

/** Note that a session was used; off the request's critical path (the response does not wait for it). */
export function touchSession(id: string, now = Date.now()): void {
  const prev = lastWrite.get(id);
  if (prev !== undefined && now - prev < LAST_SEEN_WRITE_INTERVAL_MS) return;
  lastWrite.set(id, now);
  if (lastWrite.size > 50_000) lastWrite.clear();
  const cutoff = new Date(now - LAST_SEEN_WRITE_INTERVAL_MS);
  db()
    .session.updateMany({ where: { id, endedAt: null, lastSeenAt: { lt: cutoff } }, data: { lastSeenAt: new Date(now) } })
    .catch((err) => logger.warn({ err, sessionId: id }, "could not record session use"));
}

/** Delete sessions that ended or expired more than 30 days ago. Idempotent: every instance may run it (with the usage pruning). */
export async function pruneSessions(now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - SESSION_MEMORY_DAYS * DAY);
  return db().$executeRaw`
    DELETE FROM "Session"
    WHERE COALESCE("endedAt", GREATEST("createdAt", "lastSeenAt") + make_interval(secs => ${LIFETIME_MS / 1000})) < ${cutoff}`;
}
