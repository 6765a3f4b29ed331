import type { Metadata } from "next";
import { AcceptInvite } from "@/components/invites/accept-invite";
import { Logo } from "@/components/ui/logo";

export const metadata: Metadata = { title: "Join a Client", robots: { index: false } };

// The token travels in the URL fragment (#...), which never reaches the server: the page reads it in the browser.
export default function InvitePage() {
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-md">
        <div className="mb-8 text-center">
          <Logo />
        </div>
        <div className="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
          <AcceptInvite />
        </div>
      </div>
    </main>
  );
}
