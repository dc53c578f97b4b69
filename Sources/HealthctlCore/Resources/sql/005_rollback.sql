-- Rollback of migration 005, in the order its documentation gives.

-- DropTable
DROP TABLE IF EXISTS "IntegrationHealthLog";

-- DropIndex
DROP INDEX IF EXISTS "Integration_healthStatus_idx";

-- AlterTable
ALTER TABLE IF EXISTS "Integration" DROP COLUMN IF EXISTS "healthStatus",
DROP COLUMN IF EXISTS "lastHealthCheck";

-- DropEnum
DROP TYPE IF EXISTS "IntegrationHealthStatus";
