-- CreateIndex
CREATE INDEX "ApiKey_clientId_revokedAt_expiresAt_idx" ON "ApiKey"("clientId", "revokedAt", "expiresAt");
