-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "requireTwoFactor" BOOLEAN NOT NULL DEFAULT false;
