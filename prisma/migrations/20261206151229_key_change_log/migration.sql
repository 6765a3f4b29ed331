-- CreateTable
CREATE TABLE "ApiKeyChange" (
    "id" BIGSERIAL NOT NULL,
    "keyId" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "ApiKeyChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ApiKeyChange_at_idx" ON "ApiKeyChange"("at");

-- Hand-written: the trigger that announces a key's change (revocation, expiry, access; deletion) also logs it,
-- so an instance whose LISTEN connection was down reads back what it missed (lib/api-keys/key-events.ts).
-- Whatever columns the triggers come to watch, this one function logs and announces them alike.
CREATE OR REPLACE FUNCTION "dolfin_api_key_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "ApiKeyChange" ("keyId") VALUES (COALESCE(NEW.id, OLD.id));
  PERFORM pg_notify('dolfin_api_key_changed', COALESCE(NEW.id, OLD.id)::text);
  RETURN NULL;
END $$;
