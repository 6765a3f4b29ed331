"use client";
// "Sign out everywhere" through the API (POST /api/auth/sessions/end), so sudo mode applies as for every
// other caller: an old proof opens the re-authentication dialog first (apiFetch). Then (or if this
// session had already ended) off to sign-in.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { apiFetch, ProblemError } from "@/components/api-keys/api";
import { Button } from "@/components/ui/button";

/** `variant`: the header's quiet link-like button, or a regular secondary button (the account page). */
export function SignOutEverywhere({ variant = "header" }: { variant?: "header" | "button" }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await apiFetch("/api/auth/sessions/end", { method: "POST" });
    } catch (err) {
      if (!(err instanceof ProblemError && err.status === 401)) {
        toast.error(err instanceof Error ? err.message : "Could not sign out everywhere.");
        setBusy(false);
        return;
      }
    }
    router.replace("/sign-in");
    router.refresh();
  };
  if (variant === "button") {
    return (
      <Button type="button" variant="secondary" size="sm" onClick={run} disabled={busy}>
        Sign out everywhere
      </Button>
    );
  }
  return (
    <button
      type="button"
      onClick={run}
      disabled={busy}
      title="Ends every session and Bearer token of yours, on every device"
      aria-label="Sign out everywhere"
      className="rounded-md px-2 py-1 font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600 disabled:opacity-60"
    >
      <span className="sm:hidden">Sign out all</span>
      <span className="hidden sm:inline">Sign out everywhere</span>
    </button>
  );
}
