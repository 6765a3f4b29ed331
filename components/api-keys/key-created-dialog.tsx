"use client";
// The one-time key: shown once, copied, then gone from the page for good.
// The parent mounts it with key={rawKey}, so each key starts with fresh state.
import { useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

export function KeyCreatedDialog({ rawKey, title = "Your new API key", onDone }: { rawKey: string | null; title?: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

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
      title={title}
      description="Copy it now and store it somewhere safe, such as your secrets manager."
    >
      <div className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
        <strong>This key will not be shown again.</strong> Dolfin stores only a hash of it. If you lose it, revoke it and create a new one.
      </div>
      <label htmlFor="raw-key" className="mt-4 block text-sm font-medium text-slate-700">API key</label>
      <div className="mt-1 flex gap-2">
        <input
          id="raw-key"
          ref={inputRef}
          readOnly
          value={rawKey ?? ""}
          onFocus={(e) => e.currentTarget.select()}
          className="block w-full min-w-0 rounded-md border-0 bg-slate-50 px-3 py-2 font-mono text-sm text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600"
          data-testid="raw-key"
          autoComplete="off"
          spellCheck={false}
        />
        <Button type="button" variant="secondary" onClick={copy} aria-live="polite" className="shrink-0">
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <p className="mt-2 text-xs text-slate-500">Send it in the <code className="whitespace-nowrap font-mono">x-dolfin-api-key</code> header.</p>

      {confirmClose ? (
        <div role="alert" className="mt-5 rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-inset ring-red-200">
          <p className="font-medium">{copied ? "Close this dialog?" : "You have not copied the key yet."}</p>
          <p className="mt-1">Once closed, the key cannot be shown again.</p>
          <div className="mt-3 flex flex-wrap gap-2">
            <Button type="button" variant="secondary" size="sm" onClick={() => setConfirmClose(false)} autoFocus>
              Keep it open
            </Button>
            <Button type="button" variant="danger" size="sm" onClick={onDone}>
              {copied ? "Close" : "Close without copying"}
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
