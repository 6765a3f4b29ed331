-- AlterTable
ALTER TABLE "KeyRequest" ADD COLUMN     "quotaPeriod" "QuotaPeriod",
ADD COLUMN     "quotaRequests" INTEGER,
ADD COLUMN     "rateLimitRequests" INTEGER,
ADD COLUMN     "rateLimitWindowSeconds" INTEGER;
