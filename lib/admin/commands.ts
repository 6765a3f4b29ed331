import "server-only";
// The operator's commands (scripts/admin.ts): create a Client with its first
// Owner's invitation, invite to an existing Client, list Clients, remove the
// demo accounts, reset a locked-out person's second factors. Invitations go through the same service as the API.
import { closeDatabase, db } from "@/lib/db/client";
import { ROLES, type Role } from "@/lib/auth/permissions";
import { createInvite } from "@/lib/invites/invites";
import { emailSchema } from "@/lib/invites/schemas";
import { isUuid } from "@/lib/http/keyset";
import { sendDueEmails } from "@/lib/mail/outbox";
import { removeDemoData } from "./demo-data";
import { resetTwoFactor } from "@/lib/two-factor/two-factor";

export class AdminError extends Error {
  name = "AdminError";
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

type Args = Record<string, string | boolean | undefined>;
const OPERATOR = { type: "operator" as const, label: "operator (npm run admin)" };
const META = { requestId: "admin-cli", ip: null, userAgent: "npm run admin" };

function need(args: Args, flag: string): string {
  const v = args[flag];
  if (typeof v !== "string" || !v.trim()) throw new AdminError(`Missing --${flag}. See npm run admin -- --help`, true);
  return v.trim();
}

function email(args: Args, flag: string): string {
  const r = emailSchema.safeParse(need(args, flag));
  if (!r.success) throw new AdminError(`--${flag}: not a valid email address.`, true);
  return r.data;
}

function role(args: Args, fallback: Role): Role {
  const v = args.role === undefined ? fallback : String(args.role);
  if (!(ROLES as readonly string[]).includes(v)) throw new AdminError(`--role must be Owner, Admin or Member.`, true);
  return v as Role;
}

async function inviteAndSend(clientId: string, to: string, r: Role, baseUrl: string): Promise<string> {
  const inv = await createInvite(OPERATOR, clientId, { email: to, role: r }, META, baseUrl);
  let mail = "Mail is not configured (SMTP_URL): send the link yourself.";
  if (inv.emailQueued) {
    const sent = await sendDueEmails().catch(() => 0);
    mail = sent > 0 ? `Emailed to ${to}.` : `Queued for ${to}: a running server sends it (and retries).`;
  }
  return [
    `Invitation for ${to} as ${r}, valid until ${inv.expiresAt}.`,
    `Invite link (shown once, works once):`,
    `  ${inv.inviteUrl}`,
    mail,
  ].join("\n");
}

export async function runAdminCommand(cmd: string, args: Args, baseUrl: string): Promise<string> {
  try {
    return await run(cmd, args, baseUrl);
  } finally {
    await closeDatabase();
  }
}

async function run(cmd: string, args: Args, baseUrl: string): Promise<string> {
  switch (cmd) {
    case "create-client": {
      const name = need(args, "name");
      if (name.length > 200) throw new AdminError("--name: at most 200 characters.", true);
      const type = need(args, "type");
      if (type !== "Live" && type !== "Sandbox") throw new AdminError("--type must be Live or Sandbox.", true);
      const owner = email(args, "owner-email");
      const twin = await db().client.findFirst({ where: { name: { equals: name, mode: "insensitive" } }, select: { id: true } });
      if (twin && !args.force) throw new AdminError(`A Client named "${name}" exists already (${twin.id}). Invite to it with \`invite --client ${twin.id}\`, or pass --force to make another.`);
      const client = await db().client.create({ data: { name, type }, select: { id: true } });
      const out = await inviteAndSend(client.id, owner, "Owner", baseUrl);
      return `Created ${type} Client "${name}" (${client.id}).\n${out}`;
    }
    case "invite": {
      const ref = need(args, "client");
      const matches = await db().client.findMany({
        where: isUuid(ref) ? { id: ref.toLowerCase() } : { name: { equals: ref, mode: "insensitive" } },
        select: { id: true, name: true },
        take: 2,
      });
      if (matches.length === 0) throw new AdminError(`No Client "${ref}". See npm run admin -- list-clients`);
      if (matches.length > 1) throw new AdminError(`Several Clients are named "${ref}": pass its id (npm run admin -- list-clients).`);
      return inviteAndSend(matches[0].id, email(args, "email"), role(args, "Member"), baseUrl);
    }
    case "list-clients": {
      const now = new Date();
      const clients = await db().client.findMany({
        orderBy: { createdAt: "asc" },
        select: {
          id: true,
          name: true,
          type: true,
          members: { select: { role: true, user: { select: { email: true } } } },
          invites: { where: { acceptedAt: null, revokedAt: null, expiresAt: { gt: now } }, select: { id: true } },
        },
      });
      if (clients.length === 0) return "No Clients yet. Create one: npm run admin -- create-client --name NAME --type Live --owner-email EMAIL";
      return clients
        .map((c) => {
          const owners = c.members.filter((m) => m.role === "Owner").map((m) => m.user.email);
          return `${c.id}  ${c.type.padEnd(7)}  ${c.name}  (${c.members.length} members; Owners: ${owners.join(", ") || "none"}; ${c.invites.length} pending invitations)`;
        })
        .join("\n");
    }
    case "remove-demo-accounts": {
      const removed = await removeDemoData();
      return `Removed ${removed.users} demo users and ${removed.clients} demo Clients nobody else belongs to.`;
    }
    case "reset-two-factor": {
      // For someone locked out (lost phone and recovery codes): check who they are out of band first.
      const to = email(args, "email");
      const r = await resetTwoFactor(to, OPERATOR, META);
      if (!r) throw new AdminError(`No account with the email ${to}.`);
      await sendDueEmails().catch(() => 0);
      return `Removed ${r.factors} second factor(s) and ${r.recoveryCodes} recovery code(s) of ${to}, and ended all their sessions and tokens. They sign in with their password only now, and can set up an authenticator app again under Your account.`;
    }
    default:
      throw new AdminError(`Unknown command "${cmd}".`, true);
  }
}
