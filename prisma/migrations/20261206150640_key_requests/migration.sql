-- CreateEnum
CREATE TYPE "KeyApproval" AS ENUM ('none', 'fullAccess', 'write');

-- CreateEnum
CREATE TYPE "KeyRequestStatus" AS ENUM ('pending', 'approved', 'denied', 'claimed', 'expired');

-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "keyApproval" "KeyApproval" NOT NULL DEFAULT 'none';

-- CreateTable
CREATE TABLE "KeyRequest" (
    "id" UUID NOT NULL,
    "clientId" UUID NOT NULL,
    "status" "KeyRequestStatus" NOT NULL DEFAULT 'pending',
    "keyId" UUID,
    "widen" BOOLEAN NOT NULL DEFAULT false,
    "name" VARCHAR(100),
    "expiresAt" TIMESTAMPTZ(3),
    "fullAccess" BOOLEAN NOT NULL,
    "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allowedIps" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "beforeFullAccess" BOOLEAN,
    "beforeScopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "beforeAllowedIps" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "reason" VARCHAR(500) NOT NULL,
    "requestedByUserId" UUID,
    "requestedByLabel" VARCHAR(320) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedByUserId" UUID,
    "decidedByLabel" VARCHAR(320),
    "decidedAt" TIMESTAMPTZ(3),
    "denyReason" VARCHAR(500),
    "claimedAt" TIMESTAMPTZ(3),
    "expiredAt" TIMESTAMPTZ(3),

    CONSTRAINT "KeyRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "KeyRequest_clientId_createdAt_id_idx" ON "KeyRequest"("clientId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "KeyRequest_clientId_status_createdAt_id_idx" ON "KeyRequest"("clientId", "status", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "KeyRequest_status_createdAt_idx" ON "KeyRequest"("status", "createdAt");

-- AddForeignKey
ALTER TABLE "KeyRequest" ADD CONSTRAINT "KeyRequest_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KeyRequest" ADD CONSTRAINT "KeyRequest_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "ApiKey"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KeyRequest" ADD CONSTRAINT "KeyRequest_requestedByUserId_fkey" FOREIGN KEY ("requestedByUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KeyRequest" ADD CONSTRAINT "KeyRequest_decidedByUserId_fkey" FOREIGN KEY ("decidedByUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
