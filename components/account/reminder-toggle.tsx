"use client";
// One's own key-expiry reminder emails: on by default, one click to turn off.
import { useState, useTransition } from "react";
import { toast } from "sonner";
import { setKeyRemindersAction } from "@/app/settings/account/actions";

export function ReminderToggle({ initial }: { initial: boolean }) {
  const [on, setOn] = useState(initial);
  const [pending, start] = useTransition();
  const change = (next: boolean) => {
    setOn(next);
    start(async () => {
      const r = await setKeyRemindersAction(next);
      if (!r.ok) {
        setOn(!next);
        toast.error(r.error ?? "Could not save.");
      } else toast.success(next ? "Key reminders on" : "Key reminders off");
    });
  };
  return (
    <label className="flex items-start gap-3 text-sm">
      <input
        type="checkbox"
        checked={on}
        disabled={pending}
        onChange={(e) => change(e.target.checked)}
        className="mt-0.5 h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-600"
        data-testid="reminder-toggle"
      />
      <span>
        <span className="block font-medium text-slate-900">Email me about expiring API keys</span>
        <span className="block text-slate-600">
          For the Clients where you are an Owner or Admin: 7 days and 1 day before a key expires, and if a key expires while it is still in use.
        </span>
      </span>
    </label>
  );
}
