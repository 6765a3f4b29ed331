"use client";
// A secret shown once (an API key, an invite link): copied, then gone from the
// page for good. Escape and clicks outside ask before losing it. The parent
// mounts it with key={secret}, so each secret starts with fresh state.
import { useRef, useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

export type OneTimeSecretText = {
  title: string;
  description: ReactNode;
  warning: ReactNode;
  label: string;
  hint?: ReactNode;
  /** "key" or "link": "You have not copied the key yet." */
  noun: string;
  testId: string;
  children?: ReactNode;
  /** Several lines (recovery codes): a text area instead of a one-line field. */
  multiline?: boolean;
  /** Offer a download of the secret as a text file of this name. */
  downloadName?: string;
};

export function OneTimeSecretDialog({ secret: rawKey, text, onDone }: { secret: string | null; text: OneTimeSecretText; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  const inputRef = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [downloaded, setDownloaded] = useState(false);

  const download = () => {
    if (!rawKey || !text.downloadName) return;
    const url = URL.createObjectURL(new Blob([`${rawKey}\n`], { type: "text/plain" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = text.downloadName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    setDownloaded(true);
  };
  const kept = copied || downloaded;

  const copy = async () => {
    if (!rawKey) return;
    try {
      await navigator.clipboard.writeText(rawKey);
    } catch {
      // Older or locked-down browsers: select the text and use the legacy command.
      inputRef.current?.select();
      document.execCommand("copy");
    }
    setCopied(true);
  };

  // Escape and clicks outside ask first instead of silently losing the key.
  const askFirst = (e: Event) => {
    e.preventDefault();
    setConfirmClose(true);
  };

  return (
    <Dialog
      open={rawKey !== null}
      onOpenChange={(open) => (!open ? setConfirmClose(true) : undefined)}
      onEscapeKeyDown={askFirst}
      onInteractOutside={askFirst}
      title={text.title}
      description={text.description}
    >
      <div className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">{text.warning}</div>
      {text.children}
      <label htmlFor="one-time-secret" className="mt-4 block text-sm font-medium text-slate-700">{text.label}</label>
      {text.multiline ? (
        <>
          <textarea
            id="one-time-secret"
            ref={inputRef}
            readOnly
            value={rawKey ?? ""}
            rows={Math.min(12, (rawKey ?? "").split("\n").length)}
            onFocus={(e) => e.currentTarget.select()}
            className="mt-1 block w-full min-w-0 resize-none rounded-md border-0 bg-slate-50 px-3 py-2 font-mono text-sm leading-6 text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600"
            data-testid={text.testId}
            autoComplete="off"
            spellCheck={false}
          />
          <div className="mt-2 flex flex-wrap gap-2">
            <Button type="button" variant="secondary" onClick={copy} aria-live="polite">
              {copied ? "Copied" : "Copy"}
            </Button>
            {text.downloadName ? (
              <Button type="button" variant="secondary" onClick={download} aria-live="polite">
                {downloaded ? "Downloaded" : "Download"}
              </Button>
            ) : null}
          </div>
        </>
      ) : (
        <div className="mt-1 flex gap-2">
          <input
            id="one-time-secret"
            ref={inputRef}
            readOnly
            value={rawKey ?? ""}
            onFocus={(e) => e.currentTarget.select()}
            className="block w-full min-w-0 rounded-md border-0 bg-slate-50 px-3 py-2 font-mono text-sm text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600"
            data-testid={text.testId}
            autoComplete="off"
            spellCheck={false}
          />
          <Button type="button" variant="secondary" onClick={copy} aria-live="polite" className="shrink-0">
            {copied ? "Copied" : "Copy"}
          </Button>
        </div>
      )}
      {text.hint ? <p className="mt-2 text-xs text-slate-500">{text.hint}</p> : null}

      {confirmClose ? (
        <div role="alert" className="mt-5 rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-inset ring-red-200">
          <p className="font-medium">{kept ? "Close this dialog?" : `You have not copied the ${text.noun} yet.`}</p>
          <p className="mt-1">Once closed, the {text.noun} cannot be shown again.</p>
          <div className="mt-3 flex flex-wrap gap-2">
            <Button type="button" variant="secondary" size="sm" onClick={() => setConfirmClose(false)} autoFocus>
              Keep it open
            </Button>
            <Button type="button" variant="danger" size="sm" onClick={onDone}>
              {kept ? "Close" : "Close without copying"}
            </Button>
          </div>
        </div>
      ) : (
        <div className="mt-6 flex justify-end">
          <Button type="button" onClick={onDone}>
            Done
          </Button>
        </div>
      )}
    </Dialog>
  );
}
