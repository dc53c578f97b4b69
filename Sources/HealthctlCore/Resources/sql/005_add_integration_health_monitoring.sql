-- Migration 005: add integration health monitoring.
-- Written in Prisma's migration style, guarded so that applying it twice changes nothing.

-- CreateEnum
DO $$ BEGIN
    CREATE TYPE "IntegrationHealthStatus" AS ENUM ('HEALTHY', 'WARNING', 'ERROR', 'UNKNOWN');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- AlterTable
ALTER TABLE "Integration" ADD COLUMN IF NOT EXISTS "healthStatus" "IntegrationHealthStatus" NOT NULL DEFAULT 'UNKNOWN',
ADD COLUMN IF NOT EXISTS "lastHealthCheck" TIMESTAMP(3);

-- CreateTable
CREATE TABLE IF NOT EXISTS "IntegrationHealthLog" (
    "id" TEXT NOT NULL,
    "integrationId" TEXT NOT NULL,
    "status" "IntegrationHealthStatus" NOT NULL,
    "errorMessage" TEXT,
    "responseTime" INTEGER,
    "checkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IntegrationHealthLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX IF NOT EXISTS "Integration_healthStatus_idx" ON "Integration"("healthStatus");

-- CreateIndex
CREATE INDEX IF NOT EXISTS "IntegrationHealthLog_integrationId_idx" ON "IntegrationHealthLog"("integrationId");

-- CreateIndex
CREATE INDEX IF NOT EXISTS "IntegrationHealthLog_checkedAt_idx" ON "IntegrationHealthLog"("checkedAt");

-- CreateIndex
CREATE INDEX IF NOT EXISTS "IntegrationHealthLog_status_idx" ON "IntegrationHealthLog"("status");

-- AddForeignKey
DO $$ BEGIN
    ALTER TABLE "IntegrationHealthLog" ADD CONSTRAINT "IntegrationHealthLog_integrationId_fkey" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
