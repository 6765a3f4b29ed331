-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "activeKeyCount" INTEGER NOT NULL DEFAULT 0;

-- "activeKeyCount" is never lower than the number of the Client's active keys
-- (not revoked, not expired, not replaced by a rotation), whoever writes to
-- "ApiKey": these triggers add one for every active key that appears and take
-- one off only for a key that was clearly active when it was revoked or
-- replaced (more than a minute of life left, so clocks of concurrent
-- transactions cannot make it take off a key a recount already left out).
-- Keys that expire are not taken off: the count drifts up, never down, and
-- create recounts exactly (under the Client's row lock) when it reaches the cap.

CREATE FUNCTION "dolfin_api_keys_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Client" c SET "activeKeyCount" = c."activeKeyCount" + d.n
  FROM (
    SELECT "clientId", count(*)::int AS n FROM new_keys
    WHERE "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now())
    GROUP BY "clientId"
  ) d
  WHERE c.id = d."clientId";
  -- A rotation's new key replaces its old one.
  UPDATE "Client" c SET "activeKeyCount" = GREATEST(0, c."activeKeyCount" - d.n)
  FROM (
    SELECT o."clientId", count(*)::int AS n FROM "ApiKey" o
    WHERE o.id IN (SELECT "rotatedFromId" FROM new_keys WHERE "rotatedFromId" IS NOT NULL)
      AND o."revokedAt" IS NULL AND (o."expiresAt" IS NULL OR o."expiresAt" > now() + interval '1 minute')
      AND NOT EXISTS (SELECT 1 FROM "ApiKey" r WHERE r."rotatedFromId" = o.id AND r.id NOT IN (SELECT id FROM new_keys))
    GROUP BY o."clientId"
  ) d
  WHERE c.id = d."clientId";
  RETURN NULL;
END $$;

CREATE TRIGGER "ApiKey_count_inserted" AFTER INSERT ON "ApiKey"
  REFERENCING NEW TABLE AS new_keys FOR EACH STATEMENT EXECUTE FUNCTION "dolfin_api_keys_inserted"();

CREATE FUNCTION "dolfin_api_key_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d int := 0;
BEGIN
  IF EXISTS (SELECT 1 FROM "ApiKey" r WHERE r."rotatedFromId" = OLD.id) THEN
    RETURN NULL; -- replaced: no longer counted, whatever happens to it
  END IF;
  IF OLD."revokedAt" IS NULL AND NEW."revokedAt" IS NOT NULL
     AND (OLD."expiresAt" IS NULL OR OLD."expiresAt" > now() + interval '1 minute') THEN
    d := -1;
  ELSIF NEW."revokedAt" IS NULL AND (NEW."expiresAt" IS NULL OR NEW."expiresAt" > now())
     AND NOT (OLD."revokedAt" IS NULL AND (OLD."expiresAt" IS NULL OR OLD."expiresAt" > now())) THEN
    d := 1; -- brought back to life by hand (the app never does this)
  END IF;
  IF d <> 0 THEN
    UPDATE "Client" SET "activeKeyCount" = GREATEST(0, "activeKeyCount" + d) WHERE id = NEW."clientId";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "ApiKey_count_changed" AFTER UPDATE OF "revokedAt", "expiresAt" ON "ApiKey"
  FOR EACH ROW WHEN (OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt" OR OLD."expiresAt" IS DISTINCT FROM NEW."expiresAt")
  EXECUTE FUNCTION "dolfin_api_key_changed"();

-- Start exact.
UPDATE "Client" c SET "activeKeyCount" = (
  SELECT count(*)::int FROM "ApiKey" k
  WHERE k."clientId" = c.id AND k."revokedAt" IS NULL AND (k."expiresAt" IS NULL OR k."expiresAt" > now())
    AND NOT EXISTS (SELECT 1 FROM "ApiKey" r WHERE r."rotatedFromId" = k.id)
);
