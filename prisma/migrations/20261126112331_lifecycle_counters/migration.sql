-- CreateTable
CREATE TABLE "AuthFailureCount" (
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "subject" VARCHAR(40) NOT NULL,
    "clientId" UUID,
    "reason" VARCHAR(16) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "lastIp" VARCHAR(64),
    "lastAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AuthFailureCount_pkey" PRIMARY KEY ("bucket","subject")
);

-- CreateTable
CREATE TABLE "rate_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "AuthFailureCount_clientId_bucket_idx" ON "AuthFailureCount"("clientId", "bucket" DESC);
