// Environment, validated once (on first use, so `next build` needs none of it).
import { z } from "zod";

const schema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
  /** Encrypts next-auth session cookies and Bearer tokens. 32+ characters (openssl rand -base64 32). */
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
  /** Connections the app keeps to PostgreSQL (per instance). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Rate limits (per minute). Counters live in PostgreSQL, shared by every instance. */
  RATE_LIMIT_KEY_WRITES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  RATE_LIMIT_LEAK_REPORTS_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_SIGN_IN_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** GitHub secret-scanning reports we could not check (key list unreachable, identifier not in it yet), per source IP. */
  RATE_LIMIT_GITHUB_UNVERIFIED_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /**
   * The app's public origin (https://keys.example.com): the links we email and the same-origin check.
   * Required in production (links are never built from a request's Host there); elsewhere the request's Host.
   */
  APP_URL: z.url().optional(),
  /** A request (headers and body) must arrive whole within this many ms, else 408 and the connection closes. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** Wrong passwords per account (any address), per 15 minutes: a spray from many addresses at one account stops. */
  RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  /** Invitations (create + resend) per Client per hour. */
  RATE_LIMIT_INVITES_PER_HOUR: z.coerce.number().int().min(1).default(50),
  /** Anonymous passkey sign-in challenges (POST /api/auth/passkey/options) one address may create per minute (each is a WebAuthnChallenge row). */
  RATE_LIMIT_PASSKEY_OPTIONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Webhook test events and delivery retries per endpoint per minute (each is a send the workers must make). */
  RATE_LIMIT_WEBHOOK_SENDS_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** Email over SMTP (smtp://user:pass@host:587, smtps://...). Unset: no email; invite links are copied by hand. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL").optional(),
  /** The sender of every email. */
  MAIL_FROM: z.string().min(3).default("Dolfin <no-reply@dolfin.localhost>"),
  /** How long an invitation link works. */
  INVITE_TTL_DAYS: z.coerce.number().int().min(1).max(30).default(7),
  /** At most this many pending invitations per Client. */
  MAX_PENDING_INVITES: z.coerce.number().int().min(1).default(100),
  /** How often each server looks for email to send, in ms. */
  MAIL_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(2000),
  /** First retry of a failed send after this many ms; doubling each time, at most an hour; given up after 8 tries. */
  MAIL_RETRY_BASE_MS: z.coerce.number().int().min(10).default(30_000),
  /**
   * Proxies whose X-Forwarded-For is believed (comma-separated IPs or CIDRs, or proxy-addr's names
   * loopback, linklocal, uniquelocal). Default none: the client IP is the socket's address.
   */
  TRUSTED_PROXIES: z.string().default(""),
  /** Tokens our own services send in x-dolfin-service-token to call the verify API (comma-separated, 32+ characters each; several for rotation). */
  VERIFY_SERVICE_TOKENS: z
    .string()
    .default("")
    .refine((s) => s.split(",").map((t) => t.trim()).filter(Boolean).every((t) => t.length >= 32), "each token must be at least 32 characters"),
  /** Keys expiring within this many days are "expiring soon" (the list filter and the page's banner). */
  EXPIRING_SOON_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  /** Usage counters: how often each instance writes what it counted (ms), and how long hourly rows are kept (days). */
  USAGE_FLUSH_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  USAGE_RETENTION_DAYS: z.coerce.number().int().min(91).max(3650).default(400),
  /** "off" turns usage counting off (the benchmark's comparison); anything else leaves it on. */
  USAGE_COUNTING: z.enum(["on", "off"]).default("on"),
  /** Per-key rate limits and quotas: with a redis:// URL the counters live in Redis and every instance shares them exactly; empty: in process (exact for one instance). */
  REDIS_URL: z
    .string()
    .default("")
    .refine((s) => s === "" || /^rediss?:\/\//.test(s), "must be a redis:// or rediss:// URL"),
  /** Prefix of every Redis key; default "dolfin:<database name>:" (instances of one deployment share it, test databases never meet). */
  REDIS_PREFIX: z.string().max(100).default(""),
  /** How long a limit decision waits for Redis before the Client's rateLimitFailMode decides instead (ms). */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** How often each server looks for keys due an expiry reminder (ms; only when SMTP_URL is set). */
  KEY_REMINDER_INTERVAL_MS: z.coerce.number().int().min(100).default(600_000),
  /** Sudo mode: how long (seconds) a person's last proof (sign-in, or POST /api/auth/reauthenticate) covers the sensitive actions (lib/auth/sudo.ts). */
  SUDO_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /**
   * While the database cannot be reached, a key verified within this many seconds is answered from its last
   * verdict (marked stale); 0 turns this off (503 as for an unknown key).
   */
  VERIFY_STALE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(60),
  /** Bearer token for GET /metrics (Prometheus); unset: /metrics is 404. 32+ characters. */
  METRICS_TOKEN: z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .refine((v) => v === undefined || v.length >= 32, "must be at least 32 characters"),
  /**
   * GitHub secret scanning's public keys, which sign the reports POST /api/api-keys/leaks/github accepts
   * (fetched on first use, refreshed hourly and on an unknown key identifier, at most once a minute).
   */
  GITHUB_SECRET_SCANNING_KEYS_URL: z.url().default("https://api.github.com/meta/public_keys/secret_scanning"),
  /** Webhooks: "1" lets endpoints be loopback addresses, over plain http too (development and tests only; private and link-local ranges stay refused). */
  WEBHOOK_ALLOW_LOOPBACK: z.enum(["0", "1", ""]).default("").transform((v) => v === "1"),
  /** How often each server looks for webhook deliveries due (ms). */
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  /** First retry of a failed delivery after this many ms, doubling each time (at most 12 hours apart); given up 3 days after the event. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).default(5_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment (see .env.example):\n${lines.join("\n")}`);
  }
  // Production never builds a link from a request's Host header: without APP_URL it does not start.
  if (parsed.data.NODE_ENV === "production" && !parsed.data.APP_URL) {
    throw new Error("APP_URL is required in production: set it to the public origin (https://keys.example.com) that emailed links point to.");
  }
  cached = parsed.data;
  return cached;
}
