"use client";
// The one-time key: shown once, copied, then gone from the page for good.
import { OneTimeSecretDialog } from "@/components/ui/one-time-secret-dialog";
import { AccessDescription } from "./access-fields";

export function KeyCreatedDialog({
  rawKey,
  title = "Your new API key",
  access,
  onDone,
}: {
  rawKey: string | null;
  title?: string;
  access?: { scopes: string[] | null; allowedIps: string[] } | null;
  onDone: () => void;
}) {
  return (
    <OneTimeSecretDialog
      secret={rawKey}
      onDone={onDone}
      text={{
        title,
        description: "Copy it now and store it somewhere safe, such as your secrets manager.",
        warning: (
          <>
            <strong>This key will not be shown again.</strong> Dolfin stores only a hash of it. If you lose it, revoke it and create a new one.
          </>
        ),
        label: "API key",
        hint: (
          <>
            Send it in the <code className="whitespace-nowrap font-mono">x-dolfin-api-key</code> header.
          </>
        ),
        noun: "key",
        testId: "raw-key",
        children: access ? (
          <p className="mt-3 text-sm text-slate-700" data-testid="created-access">
            <span className="font-medium text-slate-900">What it may do: </span>
            <AccessDescription scopes={access.scopes} allowedIps={access.allowedIps} />
          </p>
        ) : undefined,
      }}
    />
  );
}
