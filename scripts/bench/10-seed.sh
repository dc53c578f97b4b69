# Seeding the standard data set into a fresh database, against psql loading the very same rows
# from files with \copy (same schema, same indexes and foreign key, one connection).
# Both end with ANALYZE, as healthctl seed does.

seed_fresh_database() {
  PGOPTIONS="-c client_min_messages=warning" psql -d postgres -qc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
  psql -d postgres -qc "CREATE DATABASE \"$1\""
  "$HEALTHCTL" schema apply --with-base-table --quiet --database-url "postgresql:///$1"
}

seed_fresh_database healthctl_bench_seed
seed_seconds=$(bench_time "$HEALTHCTL" seed "${BENCH_SEED_ARGS[@]}" --quiet --database-url postgresql:///healthctl_bench_seed)
seed_mb=$(bench_last_peak_mb)
seed_rows=$(psql -d healthctl_bench_seed -Atc 'SELECT count(*) FROM "IntegrationHealthLog"')

# The dumps hold tokens and error messages: owner-only, like every file of log rows.
(
  umask 077
  psql -d healthctl_bench_seed -qc "\\copy \"Integration\" TO '$BENCH_DIR/integrations.tsv'"
  psql -d healthctl_bench_seed -qc "\\copy \"IntegrationHealthLog\" TO '$BENCH_DIR/health-log.tsv'"
)
seed_fresh_database healthctl_bench_seed_psql
psql_seconds=$(bench_time psql -d healthctl_bench_seed_psql -v ON_ERROR_STOP=1 -q \
  -c "\\copy \"Integration\" FROM '$BENCH_DIR/integrations.tsv'" \
  -c "\\copy \"IntegrationHealthLog\" FROM '$BENCH_DIR/health-log.tsv'" \
  -c 'ANALYZE "Integration"' -c 'ANALYZE "IntegrationHealthLog"')
rm -f "$BENCH_DIR/integrations.tsv" "$BENCH_DIR/health-log.tsv"
psql -d postgres -qc 'DROP DATABASE healthctl_bench_seed_psql WITH (FORCE)'

rates=$(awk -v r="$seed_rows" -v a="$seed_seconds" -v b="$psql_seconds" \
  'BEGIN { printf "%.0f rows/s vs %.0f rows/s", r / a, r / b }')
bench_row "seed $BENCH_INTEGRATIONS integrations x $BENCH_DAYS days: $seed_rows rows, $rates" \
  "$seed_seconds" "$psql_seconds" "psql \\copy of the same rows from files, one connection" "$seed_mb"

# The seeded database is the standard data set: keep it for the other parts when there is none yet.
if psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DATABASE'" | grep -q 1; then
  psql -d postgres -qc 'DROP DATABASE healthctl_bench_seed WITH (FORCE)'
else
  psql -d postgres -qc "ALTER DATABASE healthctl_bench_seed RENAME TO \"$BENCH_DATABASE\""
fi
