import { headers } from "next/headers";
import Link from "next/link";
import { redirect } from "next/navigation";
import { ReauthDialogHost } from "@/components/ui/reauth-dialog";
import { signOut } from "@/lib/auth/config";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { hasPasskey } from "@/lib/passkeys/passkeys";
import { SignOutEverywhere } from "@/components/account/sign-out-everywhere";
import { ActiveClientProvider } from "@/components/ui/active-client";
import { ClientSwitcher } from "./client-switcher";
import { SettingsNav } from "./nav";

export default async function SettingsLayout({ children }: { children: React.ReactNode }) {
  const here = (await headers()).get("x-dolfin-path") ?? "/settings/api-keys";
  const user = await requireUser(here.startsWith("/settings") ? here : "/settings/api-keys");
  const noClient = "noClient" in user;
  const twoFactorRequired = noClient ? user.twoFactorRequired : undefined;
  // A Client that requires a second factor shows a person without one only their account, to add it.
  if (twoFactorRequired && !here.startsWith("/settings/account")) redirect("/settings/account");
  const nav = twoFactorRequired ? [] : [{ href: "/settings/api-keys", label: "API keys" }];
  if (!noClient && can(user.role, "audit:read")) nav.push({ href: "/settings/audit", label: "Audit log" });
  if (!noClient && can(user.role, "policy:write")) nav.push({ href: "/settings/policy", label: "Key policy" });
  if (!noClient && can(user.role, "members:read")) nav.push({ href: "/settings/members", label: "Members" });
  if (!noClient && can(user.role, "webhooks:manage")) nav.push({ href: "/settings/webhooks", label: "Webhooks" });
  nav.push({ href: "/settings/account", label: "Account" });
  nav.push({ href: "/docs/api", label: "API reference" });

  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 sm:flex-nowrap sm:px-6">
          <div className="order-1 flex shrink-0 items-center">
            <Link href="/settings/api-keys" className="flex items-center gap-2 font-bold text-brand-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600">
              <span aria-hidden="true" className="grid h-7 w-7 place-items-center rounded-md bg-brand-600 text-sm text-white">D</span>
              <span>Dolfin</span>
            </Link>
          </div>
          {!noClient && (
            // Phones: a row of its own under the logo and Sign out; wider screens: beside the logo.
            <div className="order-3 w-full min-w-0 sm:order-2 sm:w-auto">
              <ClientSwitcher
                activeId={user.clientId}
                clients={user.memberships.map((m) => ({ id: m.clientId, name: m.clientName, type: m.clientType, role: m.role }))}
              />
            </div>
          )}
          <div className="order-2 ml-auto flex shrink-0 items-center gap-1 text-sm sm:order-3 sm:gap-3">
            <span className="hidden text-slate-600 sm:inline" data-testid="user-email">
              {user.email}
              {!noClient && <span className="ml-1 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600" data-testid="user-role">{user.role}</span>}
            </span>
            <form
              action={async () => {
                "use server";
                await signOut({ redirectTo: "/sign-in" });
              }}
            >
              <button type="submit" className="rounded-md px-2 py-1 font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600">
                Sign out
              </button>
            </form>
            <SignOutEverywhere />
          </div>
        </div>
        <div className="mx-auto max-w-5xl px-2 pb-2 sm:px-4">
          <SettingsNav items={nav} />
        </div>
      </header>
      <main className="mx-auto max-w-5xl px-4 py-8 sm:px-6">
        {twoFactorRequired && (
          <div role="alert" data-testid="two-factor-required" className="mb-6 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
            <p className="font-semibold">Set up a second factor to continue</p>
            <p className="mt-1">{twoFactorRequired.replace(/ \(POST [^)]*\)/, "").replace(", or Settings > Account", "")}</p>
          </div>
        )}
        <ReauthDialogHost hasPasskey={await hasPasskey(user.userId)} />
        {noClient ? (
          children // the Account page works; a Client's pages say there is none (./no-client.tsx)
        ) : (
          <ActiveClientProvider clientId={user.clientId}>{children}</ActiveClientProvider>
        )}
      </main>
    </div>
  );
}
