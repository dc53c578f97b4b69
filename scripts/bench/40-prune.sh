# Part 40: prune. Two equal slices of BENCH_PRUNE_ROWS rows (default 2 million) in a database of
# their own: the oldest slice is archived and deleted by the single-statement baseline
# COPY (DELETE ... RETURNING *) TO PROGRAM 'gzip -6 > file', the next one by healthctl prune,
# each on a freshly vacuumed table. Prints time and archive size side by side.

bench_prune_rows="${BENCH_PRUNE_ROWS:-2000000}"
bench_prune_db="healthctl_bench_prune"
bench_prune_url="postgresql:///$bench_prune_db"
dropdb --if-exists "$bench_prune_db" >/dev/null
createdb "$bench_prune_db"
DATABASE_URL="$bench_prune_url" "$HEALTHCTL" schema apply --with-base-table --quiet
# 1000 integrations checked every 5 minutes from 2026-01-01; slice 1 is the first
# $bench_prune_rows rows, slice 2 the next as many. One row in 20 carries an error message.
psql -q -v ON_ERROR_STOP=1 -d "$bench_prune_db" <<SQL >/dev/null
INSERT INTO "Integration" (id, "userId", provider, "updatedAt")
SELECT 'cint' || lpad(g::text, 6, '0'), 'user' || g, (ARRAY['google','github','slack','notion'])[g % 4 + 1], now()
FROM generate_series(0, 999) g;
INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
SELECT 'clog' || lpad(g::text, 9, '0'), 'cint' || lpad((g % 1000)::text, 6, '0'),
    (CASE WHEN g % 20 = 0 THEN 'ERROR' WHEN g % 7 = 0 THEN 'WARNING' ELSE 'HEALTHY' END)::"IntegrationHealthStatus",
    CASE WHEN g % 20 = 0 THEN 'invalid_grant: token expired for request ' || (g % 9973) END,
    CASE WHEN g % 20 = 0 THEN NULL ELSE 80 + (g::int8 * 7919) % 400 END,
    timestamp '2026-01-01' + (g / 1000) * interval '5 minutes'
FROM generate_series(0, 2 * $bench_prune_rows - 1) g;
VACUUM ANALYZE "IntegrationHealthLog";
SQL
bench_prune_cut1=$(psql -Atq -d "$bench_prune_db" -c "SELECT to_char(timestamp '2026-01-01' + ($bench_prune_rows / 1000) * interval '5 minutes', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
bench_prune_cut2=$(psql -Atq -d "$bench_prune_db" -c "SELECT to_char(timestamp '2026-01-01' + (2 * $bench_prune_rows / 1000) * interval '5 minutes', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
# The server writes the baseline's file itself, so it goes to a directory the server's user can enter.
bench_prune_base_dir=$(mktemp -d /tmp/healthctl-bench-prune.XXXXXX)
chmod 777 "$bench_prune_base_dir"
rm -rf "$BENCH_DIR/prune-archive"
mkdir -p "$BENCH_DIR/prune-archive"
bench_prune_base=$(bench_time psql -q -d "$bench_prune_db" -c "COPY (DELETE FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '$bench_prune_cut1' RETURNING *) TO PROGRAM 'gzip -6 > $bench_prune_base_dir/slice1.gz'")
psql -q -d "$bench_prune_db" -c 'VACUUM ANALYZE "IntegrationHealthLog"' >/dev/null
bench_prune_ours=$(DATABASE_URL="$bench_prune_url" bench_time "$HEALTHCTL" prune --before "$bench_prune_cut2" --archive-dir "$BENCH_DIR/prune-archive" ${BENCH_PRUNE_FLAGS:-} --quiet)
bench_prune_left=$(psql -Atq -d "$bench_prune_db" -c 'SELECT count(*) FROM "IntegrationHealthLog"')
[ "$bench_prune_left" = "0" ] || echo "prune benchmark: $bench_prune_left rows left (expected 0)" >&2
bench_row "prune $bench_prune_rows rows into gzip archives (batched, fsynced)" "$bench_prune_ours" "$bench_prune_base" "one COPY (DELETE ... RETURNING *) TO PROGRAM gzip -6"
bench_prune_size_base=$(stat -c %s "$bench_prune_base_dir/slice1.gz")
bench_prune_size_ours=$(find "$BENCH_DIR/prune-archive" -name '*.csv.gz' -printf '%s\n' | awk '{ s += $1 } END { print s }')
printf '| archive size for %s rows | %s MB | %s MB (gzip -6) | %s |\n' "$bench_prune_rows" \
  "$(awk -v b="$bench_prune_size_ours" 'BEGIN { printf "%.2f", b / 1e6 }')" \
  "$(awk -v b="$bench_prune_size_base" 'BEGIN { printf "%.2f", b / 1e6 }')" \
  "$(awk -v a="$bench_prune_size_ours" -v b="$bench_prune_size_base" 'BEGIN { printf "%.3f", a / b }')"
DATABASE_URL="$bench_prune_url" "$HEALTHCTL" archive verify "$BENCH_DIR/prune-archive" >&2
dropdb "$bench_prune_db"
rm -rf "$bench_prune_base_dir"
