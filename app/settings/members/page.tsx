import type { Metadata } from "next";
import { MembersList } from "@/components/members/members-list";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { Invites } from "@/components/members/invites";
import { listInvites } from "@/lib/invites/invites";
import { mailConfigured } from "@/lib/mail/outbox";
import { listMembers } from "@/lib/members/members";
import { NoClient } from "../no-client";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage() {
  const user = await requireUser("/settings/members");
  if ("noClient" in user) return <NoClient />;
  const canInvite = can(user.role, "invites:write");
  const [page, invites] = await Promise.all([listMembers(user.clientId, { Limit: 100 }), canInvite ? listInvites(user.clientId, { Limit: 100 }) : null]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Members</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          The people of this Client. <strong>Owners</strong> can do everything, including the key policy and other Owners;{" "}
          <strong>Admins</strong> manage keys and members and read the audit log; <strong>Members</strong> see the keys. A Client always keeps at least one Owner.
        </p>
      </div>
      {invites && <Invites key={`invites-${user.clientId}`} initial={invites} myRole={user.role} mailConfigured={mailConfigured()} />}
      <MembersList key={user.clientId} initial={page} me={{ userId: user.userId, role: user.role }} canManage={can(user.role, "members:write")} />
    </div>
  );
}
