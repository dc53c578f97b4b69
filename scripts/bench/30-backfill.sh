# backfill: the one-statement SQL update (DISTINCT ON over the whole log table, all locks held
# until it commits) against `healthctl backfill`, each starting from all-UNKNOWN. Two sizes:
# the standard data set (1000 integrations, ~10M log rows) and 100,000 integrations.
# healthctl's longest batch transaction (its lock-holding time) is printed under the table rows.

BACKFILL_BASELINE_SQL='
UPDATE "Integration" i
SET "healthStatus" = l.status, "lastHealthCheck" = l."checkedAt"
FROM (SELECT DISTINCT ON ("integrationId") "integrationId", status, "checkedAt"
      FROM "IntegrationHealthLog"
      ORDER BY "integrationId", "checkedAt" DESC, id DESC) AS l
WHERE i.id = l."integrationId" AND i."healthStatus" = '"'UNKNOWN'"''

# Database $1 with $2 integrations and $3 log rows each, one every $4 before 2026-11-23, offset per
# integration; 3% have no logs, 2% stopped reporting three days earlier, 2% have an expired token.
backfill_generate_dataset() {
  local db=$1 integrations=$2 per=$3 interval=$4
  PGOPTIONS="-c client_min_messages=warning" psql -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
  psql -d postgres -qc "CREATE DATABASE \"$db\""
  export DATABASE_URL="postgresql:///$db" PGDATABASE="$db"
  "$HEALTHCTL" schema apply --with-base-table --quiet
  echo "generating $integrations integrations x $per log rows into $db ..." >&2
  psql -q -v ON_ERROR_STOP=1 <<SQL
ALTER TABLE "IntegrationHealthLog" DROP CONSTRAINT "IntegrationHealthLog_integrationId_fkey",
  DROP CONSTRAINT "IntegrationHealthLog_pkey";
DROP INDEX "IntegrationHealthLog_integrationId_idx", "IntegrationHealthLog_checkedAt_idx", "IntegrationHealthLog_status_idx";
INSERT INTO "Integration" (id, "userId", provider, "updatedAt", "tokenExpiry")
SELECT 'int-' || lpad(g::text, 6, '0'), 'user-' || g, 'google', now(),
       CASE WHEN g % 50 = 7 THEN now() - interval '2 days' END
FROM generate_series(1, $integrations) g;
INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "responseTime", "checkedAt")
SELECT 'log-' || g || '-' || s, 'int-' || lpad(g::text, 6, '0'),
       (CASE WHEN (g * 7 + s) % 40 = 0 THEN 'ERROR' WHEN (g * 3 + s) % 25 = 0 THEN 'WARNING' ELSE 'HEALTHY' END)::"IntegrationHealthStatus",
       100 + (g + s) % 400,
       timestamp '2026-11-23 00:00:00' - s * interval '$interval' - (g % 300) * interval '1 second'
         - CASE WHEN g % 50 = 1 THEN interval '3 days' ELSE interval '0' END
FROM generate_series(1, $integrations) g, generate_series(0, $per - 1) s
WHERE g % 33 <> 0;
SQL
  "$HEALTHCTL" schema apply --quiet
  psql -q -v ON_ERROR_STOP=1 <<'SQL'
ALTER TABLE "IntegrationHealthLog" ADD CONSTRAINT "IntegrationHealthLog_pkey" PRIMARY KEY (id);
VACUUM ANALYZE;
SQL
}

# Puts every integration back to UNKNOWN / NULL, as migration 005 leaves them.
backfill_reset() {
  psql -q -v ON_ERROR_STOP=1 -c 'UPDATE "Integration" SET "healthStatus" = '"'UNKNOWN'"', "lastHealthCheck" = NULL' \
    -c 'VACUUM ANALYZE "Integration"' -c 'CHECKPOINT'
}

# Runs the baseline and healthctl side by side on the current database and prints the row.
backfill_compare() {
  local what=$1 baseline healthctl json
  backfill_reset
  baseline=$(bench_time psql -q -v ON_ERROR_STOP=1 -c "$BACKFILL_BASELINE_SQL")
  local baseline_updated
  baseline_updated=$(psql -Atc 'SELECT count(*) FROM "Integration" WHERE "healthStatus" <> '"'UNKNOWN'")
  backfill_reset
  healthctl=$(BENCH_STDOUT="$BENCH_DIR/backfill.json" bench_time "$HEALTHCTL" backfill --format json --quiet)
  json=$(cat "$BENCH_DIR/backfill.json")
  bench_row "$what" "$healthctl" "$baseline" "one UPDATE ... FROM (SELECT DISTINCT ON ...)" "$(bench_last_peak_mb)"
  echo "$json" | awk -v base="$baseline_updated" '
    /"count" :/ && !seen { batches = $3 + 0; seen = 1 }
    /"maxMilliseconds"/ { max = $3 + 0 }
    /"updated" :/ { updated = $3 + 0 }
    /"windowLogRows"/ { rows = $3 + 0 }
    /"lookedUpIndividually"/ { direct = $3 + 0 }
    END { printf "|   (healthctl: %d rows updated in %d %s, longest batch transaction %.0f ms; %d log rows read in windows, %d integrations looked up directly; baseline set %d statuses) | | | | |\n", updated, batches, batches == 1 ? "batch" : "batches", max, rows, direct, base }'
}

if declare -F bench_copy_dataset >/dev/null; then
  bench_copy_dataset healthctl_bench_backfill
else
  backfill_generate_dataset healthctl_bench_backfill "$BENCH_INTEGRATIONS" $((BENCH_DAYS * 288)) '5 minutes'
fi
backfill_compare "backfill, $BENCH_INTEGRATIONS integrations, $(psql -Atc 'SELECT to_char(count(*), '"'FM999,999,999'"') FROM "IntegrationHealthLog"') log rows"

backfill_generate_dataset healthctl_bench_backfill_scale "${BENCH_BACKFILL_SCALE:-100000}" 50 '5 minutes'
backfill_compare "backfill, ${BENCH_BACKFILL_SCALE:-100000} integrations, $(psql -Atc 'SELECT to_char(count(*), '"'FM999,999,999'"') FROM "IntegrationHealthLog"') log rows"
