-- Expiry reminders (issue 12): a per-user opt-out, one claim row per key and reminder, and an index for the sweep.
-- AlterTable
ALTER TABLE "User" ADD COLUMN     "keyReminderEmails" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "KeyReminder" (
    "keyId" UUID NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "sentAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KeyReminder_pkey" PRIMARY KEY ("keyId","kind")
);

-- AddForeignKey
ALTER TABLE "KeyReminder" ADD CONSTRAINT "KeyReminder_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateIndex
CREATE INDEX "ApiKey_expiresAt_idx" ON "ApiKey"("expiresAt");
