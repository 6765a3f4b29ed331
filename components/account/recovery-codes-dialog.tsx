"use client";
// The ten recovery codes, shown once when a person's first second factor is set up (authenticator app or passkey).
import { OneTimeSecretDialog } from "@/components/ui/one-time-secret-dialog";

/** `codes`: newline-separated, or null when none are to be shown; `lost`: what the codes stand in for, in words. */
export function RecoveryCodesDialog({ codes, onDone, lost }: { codes: string | null; onDone: () => void; lost: string }) {
  return (
    <OneTimeSecretDialog
      key={codes ?? "none"}
      secret={codes}
      onDone={onDone}
      text={{
        title: "Your recovery codes",
        description: lost,
        warning: "Save them now (a password manager, or print them): they are shown only this once.",
        label: "Recovery codes",
        noun: "recovery codes",
        testId: "recovery-codes",
        multiline: true,
        downloadName: "dolfin-recovery-codes.txt",
      }}
    />
  );
}
