-- CreateIndex
CREATE INDEX "AuditEvent_clientId_targetId_createdAt_id_idx" ON "AuditEvent"("clientId", "targetId", "createdAt" DESC, "id" DESC);
