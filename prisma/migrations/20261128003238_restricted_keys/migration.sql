-- Restricted keys (issue 11): what a key may do (fullAccess, or exactly its
-- scopes) and where from (allowedIps, canonical CIDRs; empty = anywhere).
-- Every existing key keeps full access from anywhere.
ALTER TABLE "ApiKey" ADD COLUMN "allowedIps" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "fullAccess" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN "scopes" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- A full-access key carries no scope list; no list is longer than the API allows.
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_scopes_shape" CHECK ((NOT "fullAccess" OR cardinality("scopes") = 0) AND cardinality("scopes") <= 100),
ADD CONSTRAINT "ApiKey_allowedIps_max" CHECK (cardinality("allowedIps") <= 50);

-- Refusals are counted per reason (a key refused for its allowlist and for a scope in one hour keeps both counts).
ALTER TABLE "AuthFailureCount" DROP CONSTRAINT "AuthFailureCount_pkey",
ADD CONSTRAINT "AuthFailureCount_pkey" PRIMARY KEY ("bucket", "subject", "reason");

-- A change of what a key may do, or where from, is felt on every instance at once (like revocation).
DROP TRIGGER "ApiKey_notify_change" ON "ApiKey";
CREATE TRIGGER "ApiKey_notify_change" AFTER UPDATE OF "revokedAt", "expiresAt", "fullAccess", "scopes", "allowedIps" ON "ApiKey"
  FOR EACH ROW WHEN (
    OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt" OR OLD."expiresAt" IS DISTINCT FROM NEW."expiresAt"
    OR OLD."fullAccess" IS DISTINCT FROM NEW."fullAccess" OR OLD."scopes" IS DISTINCT FROM NEW."scopes"
    OR OLD."allowedIps" IS DISTINCT FROM NEW."allowedIps")
  EXECUTE FUNCTION "dolfin_api_key_notify"();
