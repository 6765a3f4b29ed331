-- CreateTable
CREATE TABLE "ApiKeyUsage" (
    "keyId" UUID NOT NULL,
    "clientId" UUID NOT NULL,
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "success" INTEGER NOT NULL DEFAULT 0,
    "expired" INTEGER NOT NULL DEFAULT 0,
    "revoked" INTEGER NOT NULL DEFAULT 0,
    "scope" INTEGER NOT NULL DEFAULT 0,
    "ip" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ApiKeyUsage_pkey" PRIMARY KEY ("keyId","bucket")
);

-- CreateIndex
CREATE INDEX "ApiKeyUsage_clientId_bucket_idx" ON "ApiKeyUsage"("clientId", "bucket");

-- AddForeignKey
ALTER TABLE "ApiKeyUsage" ADD CONSTRAINT "ApiKeyUsage_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
