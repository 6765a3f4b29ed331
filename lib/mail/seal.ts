import "server-only";
// A secret link kept in the outbox only until its email is sent (and a TOTP
// secret, purpose "totp secret"): AES-256-GCM with a key derived from
// AUTH_SECRET (one key per purpose), so the database alone never reveals it.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { env } from "@/lib/env";

export type SealPurpose = "email secret link" | "totp secret" | "sign-in continuation" | "re-authentication" | "webhook secret";

function key(secret = env().AUTH_SECRET, purpose: SealPurpose = "email secret link"): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "dolfin-outbox", purpose, 32));
}

export function seal(plain: string, secret?: string, purpose?: SealPurpose): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key(secret, purpose), iv);
  const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  return ["v1", iv.toString("base64url"), body.toString("base64url"), c.getAuthTag().toString("base64url")].join(".");
}

export function unseal(sealed: string, secret?: string, purpose?: SealPurpose): string {
  const [v, iv, body, tag] = sealed.split(".");
  if (v !== "v1" || !iv || !body || !tag) throw new Error("not a sealed value");
  const d = createDecipheriv("aes-256-gcm", key(secret, purpose), Buffer.from(iv, "base64url"));
  d.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([d.update(Buffer.from(body, "base64url")), d.final()]).toString("utf8");
}
