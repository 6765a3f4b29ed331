-- Hand-written (no Prisma schema change). Every change to a key that matters
-- for verification is announced on channel "dolfin_api_key_changed" with the
-- key's id; each app instance drops that key from its verification cache when
-- told (lib/api-keys/key-events.ts). NOTIFY is delivered at commit; that
-- alone does not stop a lookup that read the row before the commit from
-- caching the old state after the notice (it finds nothing to drop): the cache
-- refuses such answers by invalidation generation (lib/api-keys/verify-cache.ts).
CREATE FUNCTION "dolfin_api_key_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dolfin_api_key_changed', COALESCE(NEW.id, OLD.id)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER "ApiKey_notify_change" AFTER UPDATE OF "revokedAt", "expiresAt" ON "ApiKey"
  FOR EACH ROW WHEN (OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt" OR OLD."expiresAt" IS DISTINCT FROM NEW."expiresAt")
  EXECUTE FUNCTION "dolfin_api_key_notify"();

CREATE TRIGGER "ApiKey_notify_delete" AFTER DELETE ON "ApiKey"
  FOR EACH ROW EXECUTE FUNCTION "dolfin_api_key_notify"();
