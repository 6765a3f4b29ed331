// Usage reports: the query (shared by the routes and the page) and the
// answers. Browser-safe. Buckets are UTC hours or days, with Z.
import { z } from "zod";

export const USAGE_MAX_DAYS = 90;
export const USAGE_INTERVALS = ["hour", "day"] as const;
export type UsageInterval = (typeof USAGE_INTERVALS)[number];
const DAY = 86_400_000;

const instant = (name: string) =>
  z.iso
    .datetime({ offset: true, error: `${name} must be an RFC 3339 date-time with an offset, e.g. 2026-11-01T00:00:00Z.` })
    .transform((s) => new Date(s));

/** From/To/Interval: defaults are the last 14 days by day (hour: the last 48 hours). At most 90 days. */
export const usageQuerySchema = z
  .strictObject({
    From: instant("From").optional(),
    To: instant("To").optional(),
    Interval: z.enum(USAGE_INTERVALS, { error: "Interval must be hour or day." }).default("day"),
  })
  .transform((q, ctx) => {
    const to = q.To ?? new Date();
    const from = q.From ?? new Date(to.getTime() - (q.Interval === "hour" ? 2 : 14) * DAY);
    if (from.getTime() >= to.getTime()) ctx.addIssue({ code: "custom", path: ["From"], message: "From must be before To." });
    else if (to.getTime() - from.getTime() > USAGE_MAX_DAYS * DAY) ctx.addIssue({ code: "custom", path: ["From"], message: `The range may span at most ${USAGE_MAX_DAYS} days.` });
    return { from, to, interval: q.Interval };
  });
export type UsageQuery = z.output<typeof usageQuerySchema>;

const counts = {
  success: z.number().int().describe("Verifications that succeeded."),
  expired: z.number().int(),
  revoked: z.number().int(),
  scope: z.number().int().describe("Refused: the key lacked the permission asked for."),
  ip: z.number().int().describe("Refused: the address was outside the key's allowlist."),
  rateLimited: z.number().int().describe("Refused: over the key's rate limit."),
  quotaExceeded: z.number().int().describe("Refused: over the key's quota."),
};
export const usageCountsSchema = z.strictObject(counts).meta({ id: "UsageCounts" });
export const usageBucketSchema = z.strictObject({ start: z.iso.datetime(), ...counts }).meta({ id: "UsageBucket" });

export const keyUsageSchema = z
  .strictObject({
    keyId: z.uuid(),
    interval: z.enum(USAGE_INTERVALS),
    from: z.iso.datetime().describe("The first bucket's start."),
    to: z.iso.datetime(),
    totals: usageCountsSchema,
    buckets: z.array(usageBucketSchema).describe("Every bucket of the range, oldest first, zeros included."),
  })
  .meta({ id: "KeyUsage" });
export type KeyUsage = z.infer<typeof keyUsageSchema>;

export const clientUsageSchema = z
  .strictObject({
    interval: z.enum(USAGE_INTERVALS),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    totals: usageCountsSchema,
    buckets: z.array(usageBucketSchema),
    topKeys: z
      .array(z.strictObject({ keyId: z.uuid(), keyPrefix: z.string(), name: z.string().nullable(), requests: z.number().int(), refused: z.number().int() }))
      .describe("The ten keys with the most requests in the range."),
  })
  .meta({ id: "ClientUsage" });
export type ClientUsage = z.infer<typeof clientUsageSchema>;

/** The last 14 days of a key, for its row's sparkline (oldest first). */
export const recentUsageSchema = z
  .strictObject({ since: z.iso.datetime(), success: z.array(z.number().int()), refused: z.array(z.number().int()) })
  .meta({ id: "RecentUsage", description: "Daily counts over the last 14 days (UTC), oldest first; refused sums every reason." });
export type RecentUsage = z.infer<typeof recentUsageSchema>;
