-- CreateEnum
CREATE TYPE "RateLimitFailMode" AS ENUM ('open', 'closed');

-- CreateEnum
CREATE TYPE "QuotaPeriod" AS ENUM ('day', 'month');

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "quotaPeriod" "QuotaPeriod",
ADD COLUMN     "limitCounterKeyId" UUID,
ADD COLUMN     "quotaRequests" INTEGER,
ADD COLUMN     "rateLimitRequests" INTEGER,
ADD COLUMN     "rateLimitWindowSeconds" INTEGER;

-- AlterTable
ALTER TABLE "ApiKeyUsage" ADD COLUMN     "quotaExceeded" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "rateLimited" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "rateLimitFailMode" "RateLimitFailMode" NOT NULL DEFAULT 'open';

-- A limit is whole or absent.
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_rate_limit_whole" CHECK (("rateLimitRequests" IS NULL) = ("rateLimitWindowSeconds" IS NULL));
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_quota_whole" CHECK (("quotaRequests" IS NULL) = ("quotaPeriod" IS NULL));

-- A change of a key's limits is felt on every instance at once, like its access.
DROP TRIGGER "ApiKey_notify_change" ON "ApiKey";
CREATE TRIGGER "ApiKey_notify_change" AFTER UPDATE OF "revokedAt", "expiresAt", "fullAccess", "scopes", "allowedIps",
    "rateLimitRequests", "rateLimitWindowSeconds", "quotaRequests", "quotaPeriod" ON "ApiKey"
  FOR EACH ROW WHEN (
    OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt" OR OLD."expiresAt" IS DISTINCT FROM NEW."expiresAt"
    OR OLD."fullAccess" IS DISTINCT FROM NEW."fullAccess" OR OLD."scopes" IS DISTINCT FROM NEW."scopes"
    OR OLD."allowedIps" IS DISTINCT FROM NEW."allowedIps"
    OR OLD."rateLimitRequests" IS DISTINCT FROM NEW."rateLimitRequests" OR OLD."rateLimitWindowSeconds" IS DISTINCT FROM NEW."rateLimitWindowSeconds"
    OR OLD."quotaRequests" IS DISTINCT FROM NEW."quotaRequests" OR OLD."quotaPeriod" IS DISTINCT FROM NEW."quotaPeriod")
  EXECUTE FUNCTION "dolfin_api_key_notify"();

-- The Client's fail mode is cached with each of its live keys: a change announces every one of them.
CREATE FUNCTION "dolfin_client_fail_mode_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dolfin_api_key_changed', k.id::text) FROM "ApiKey" k WHERE k."clientId" = NEW.id AND k."revokedAt" IS NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER "Client_fail_mode_notify" AFTER UPDATE OF "rateLimitFailMode" ON "Client"
  FOR EACH ROW WHEN (OLD."rateLimitFailMode" IS DISTINCT FROM NEW."rateLimitFailMode")
  EXECUTE FUNCTION "dolfin_client_fail_mode_notify"();
