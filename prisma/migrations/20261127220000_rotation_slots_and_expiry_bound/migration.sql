-- Hand-written (no Prisma schema change): two rules Prisma's schema cannot express.

-- 1. No key expires after 9999-12-31T23:59:59.999Z: a later instant has no
--    four-digit-year ISO-8601 form, and one such row broke every list of its
--    Client. The API refuses them; this makes sure no writer can store one.
UPDATE "ApiKey" SET "expiresAt" = timestamptz '9999-12-31 23:59:59.999+00'
WHERE "expiresAt" > timestamptz '9999-12-31 23:59:59.999+00';
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_expiresAt_max"
  CHECK ("expiresAt" <= timestamptz '9999-12-31 23:59:59.999+00');

-- 2. One uncounted predecessor per live key. A key in a rotation's grace
--    period shares its replacement's slot under the cap only while that
--    replacement is live (not revoked, not expired) and not itself replaced.
--    Before, every replaced key was uncounted, so a chain of rotations kept
--    any number of working keys past the cap. "activeKeyCount" stays an upper
--    bound: when a replacement is replaced or revoked, the key whose slot it
--    shared counts again (+1).

CREATE OR REPLACE FUNCTION "dolfin_api_keys_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Client" c SET "activeKeyCount" = c."activeKeyCount" + d.n
  FROM (
    SELECT "clientId", count(*)::int AS n FROM new_keys
    WHERE "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now())
    GROUP BY "clientId"
  ) d
  WHERE c.id = d."clientId";
  -- A rotation's new key takes its old key's slot (the old key shares it during its grace period).
  UPDATE "Client" c SET "activeKeyCount" = GREATEST(0, c."activeKeyCount" - d.n)
  FROM (
    SELECT o."clientId", count(*)::int AS n FROM "ApiKey" o
    WHERE o.id IN (SELECT "rotatedFromId" FROM new_keys WHERE "rotatedFromId" IS NOT NULL)
      AND o."revokedAt" IS NULL AND (o."expiresAt" IS NULL OR o."expiresAt" > now() + interval '1 minute')
      AND NOT EXISTS (SELECT 1 FROM "ApiKey" r WHERE r."rotatedFromId" = o.id AND r.id NOT IN (SELECT id FROM new_keys))
    GROUP BY o."clientId"
  ) d
  WHERE c.id = d."clientId";
  -- The key that old key had itself replaced shared the old key's slot; now it counts again.
  UPDATE "Client" c SET "activeKeyCount" = c."activeKeyCount" + d.n
  FROM (
    SELECT q."clientId", count(*)::int AS n FROM "ApiKey" p JOIN "ApiKey" q ON q.id = p."rotatedFromId"
    WHERE p.id IN (SELECT "rotatedFromId" FROM new_keys WHERE "rotatedFromId" IS NOT NULL)
      AND q."revokedAt" IS NULL AND (q."expiresAt" IS NULL OR q."expiresAt" > now())
    GROUP BY q."clientId"
  ) d
  WHERE c.id = d."clientId";
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION "dolfin_api_key_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d int := 0;
BEGIN
  IF EXISTS (SELECT 1 FROM "ApiKey" r WHERE r."rotatedFromId" = OLD.id) THEN
    RETURN NULL; -- replaced: never taken off here (whether it counts is up to its replacement; over-counting is safe)
  END IF;
  IF OLD."revokedAt" IS NULL AND NEW."revokedAt" IS NOT NULL THEN
    IF OLD."expiresAt" IS NULL OR OLD."expiresAt" > now() + interval '1 minute' THEN
      d := -1;
    END IF;
    -- The key it replaced, still in its grace period, shared its slot: alone now, it counts.
    IF EXISTS (SELECT 1 FROM "ApiKey" q WHERE q.id = OLD."rotatedFromId" AND q."revokedAt" IS NULL AND (q."expiresAt" IS NULL OR q."expiresAt" > now())) THEN
      d := d + 1;
    END IF;
  ELSIF NEW."revokedAt" IS NULL AND (NEW."expiresAt" IS NULL OR NEW."expiresAt" > now())
     AND NOT (OLD."revokedAt" IS NULL AND (OLD."expiresAt" IS NULL OR OLD."expiresAt" > now())) THEN
    d := 1; -- brought back to life by hand (the app never does this)
  END IF;
  IF d <> 0 THEN
    UPDATE "Client" SET "activeKeyCount" = GREATEST(0, "activeKeyCount" + d) WHERE id = NEW."clientId";
  END IF;
  RETURN NULL;
END $$;

-- Exact again under the new rule.
UPDATE "Client" c SET "activeKeyCount" = (
  SELECT count(*)::int FROM "ApiKey" k
  WHERE k."clientId" = c.id AND k."revokedAt" IS NULL AND (k."expiresAt" IS NULL OR k."expiresAt" > now())
    AND NOT EXISTS (
      SELECT 1 FROM "ApiKey" r
      WHERE r."rotatedFromId" = k.id AND r."revokedAt" IS NULL AND (r."expiresAt" IS NULL OR r."expiresAt" > now())
        AND NOT EXISTS (SELECT 1 FROM "ApiKey" s WHERE s."rotatedFromId" = r.id))
);
