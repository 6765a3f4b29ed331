// Expiry choices for the create form (browser-safe). A preset is "now + N
// days"; a custom date means "until the end of that day" in the user's time zone.
import { z } from "zod";
import { keyNameSchema } from "./schemas";

export const EXPIRY_PRESETS = [
  { value: "7", days: 7, label: "7 days" },
  { value: "30", days: 30, label: "30 days" },
  { value: "60", days: 60, label: "60 days" },
  { value: "90", days: 90, label: "90 days" },
  { value: "365", days: 365, label: "1 year" },
] as const;

export const EXPIRY_CHOICES = [...EXPIRY_PRESETS.map((p) => p.value), "custom", "never"] as const;
export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number];
export const DEFAULT_EXPIRY: ExpiryChoice = "30";

const DAY_MS = 86_400_000;

/** yyyy-mm-dd of a date in the local time zone (what <input type="date"> speaks). */
export function localDateString(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The end of a local calendar day, yyyy-mm-dd. */
export function endOfLocalDay(date: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999);
  return d.getMonth() === Number(m[2]) - 1 ? d : null;
}

export function expiryFromChoice(choice: ExpiryChoice, customDate: string | undefined, now = new Date()): Date | null {
  if (choice === "never") return null;
  if (choice === "custom") return customDate ? endOfLocalDay(customDate) : null;
  const preset = EXPIRY_PRESETS.find((p) => p.value === choice)!;
  return new Date(now.getTime() + preset.days * DAY_MS);
}

/** Which choices a Client's policy allows (issue: keys must expire / max lifetime). */
export function allowedChoices(policy: { keysMustExpire: boolean; maxKeyLifetimeDays: number | null }): Set<ExpiryChoice> {
  const ok = new Set<ExpiryChoice>(["custom"]);
  for (const p of EXPIRY_PRESETS) if (policy.maxKeyLifetimeDays === null || p.days <= policy.maxKeyLifetimeDays) ok.add(p.value);
  if (!policy.keysMustExpire && policy.maxKeyLifetimeDays === null) ok.add("never");
  return ok;
}

/**
 * The settings form: the name field is the very schema the API uses; the
 * expiry is picked from choices and turned into the request's `expiresAt`.
 */
export function createKeyFormSchema(policy: { keysMustExpire: boolean; maxKeyLifetimeDays: number | null } = { keysMustExpire: false, maxKeyLifetimeDays: null }) {
  const allowed = allowedChoices(policy);
  return z
    .object({ name: keyNameSchema, expiration: z.enum(EXPIRY_CHOICES), customDate: z.string().optional() })
    .superRefine((v, ctx) => {
      if (!allowed.has(v.expiration)) {
        ctx.addIssue({ code: "custom", path: ["expiration"], message: "This Client's key policy does not allow this expiry." });
      }
      if (v.expiration !== "custom") return;
      const end = v.customDate ? endOfLocalDay(v.customDate) : null;
      if (!end) return ctx.addIssue({ code: "custom", path: ["customDate"], message: "Pick a date." });
      if (end.getTime() <= Date.now()) ctx.addIssue({ code: "custom", path: ["customDate"], message: "Pick a date that is not in the past." });
      if (policy.maxKeyLifetimeDays !== null && end.getTime() > Date.now() + policy.maxKeyLifetimeDays * DAY_MS) {
        ctx.addIssue({ code: "custom", path: ["customDate"], message: `Keys may live at most ${policy.maxKeyLifetimeDays} days.` });
      }
    });
}

export type CreateKeyFormValues = z.input<ReturnType<typeof createKeyFormSchema>>;
