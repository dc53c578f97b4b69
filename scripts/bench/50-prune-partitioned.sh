# Part 50: prune on a daily-partitioned copy of the standard data set. The oldest UTC days that
# hold about BENCH_PRUNE_ROWS rows (default 2 million; the cutoff is the midnight before the row
# after them, so every pruned day is a whole partition) are pruned three ways, each in a fresh copy:
#   healthctl on the partitioned table (whole partitions detached, archived and dropped);
#   (a) healthctl's batched prune of the same rows on the plain table;
#   (b) per partition COPY child TO PROGRAM 'gzip -6 > file' and DROP TABLE child.
# Then dead tuples left in the log table, and an application's insert latency (pgbench, 100
# inserts a second) while healthctl prunes against the same load on the idle server.

bench_part_rows="${BENCH_PRUNE_ROWS:-2000000}"
bench_ensure_dataset
bench_part_cut=$(psql -Atq -c "SELECT to_char(date_trunc('day', \"checkedAt\"), 'YYYY-MM-DD\"T\"00:00:00\"Z\"') FROM \"IntegrationHealthLog\" ORDER BY \"checkedAt\" OFFSET $bench_part_rows LIMIT 1")
bench_part_count=$(psql -Atq -c "SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '$bench_part_cut'")

# A daily-partitioned copy: children for every day of the data and a week after, plus a default.
bench_make_partitioned() {
  bench_copy_dataset "$1"
  psql -q >/dev/null <<'SQL'
ALTER TABLE "IntegrationHealthLog" RENAME TO plain_log;
ALTER TABLE plain_log RENAME CONSTRAINT "IntegrationHealthLog_pkey" TO plain_log_pkey;
CREATE TABLE "IntegrationHealthLog" (LIKE plain_log INCLUDING DEFAULTS, CONSTRAINT "IntegrationHealthLog_pkey" PRIMARY KEY ("id", "checkedAt")) PARTITION BY RANGE ("checkedAt");
DO $$ DECLARE d date; BEGIN
  FOR d IN SELECT generate_series(min("checkedAt")::date, max("checkedAt")::date + 7, '1 day')::date FROM plain_log LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "IntegrationHealthLog" FOR VALUES FROM (%L) TO (%L)', 'IntegrationHealthLog_p' || to_char(d, 'YYYYMMDD'), d, d + 1);
  END LOOP;
END $$;
CREATE TABLE "IntegrationHealthLog_default" PARTITION OF "IntegrationHealthLog" DEFAULT;
INSERT INTO "IntegrationHealthLog" SELECT * FROM plain_log;
DROP TABLE plain_log;
CREATE INDEX ON "IntegrationHealthLog" ("integrationId");
CREATE INDEX ON "IntegrationHealthLog" ("checkedAt");
VACUUM ANALYZE "IntegrationHealthLog";
SQL
}

echo "building the daily-partitioned copy ..." >&2
bench_make_partitioned healthctl_bench_part_template
PGOPTIONS="-c client_min_messages=warning" psql -d postgres -qc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'healthctl_bench_part_template' AND pid <> pg_backend_pid()" >/dev/null

bench_part_copy() {
  PGOPTIONS="-c client_min_messages=warning" psql -d postgres -qc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
  psql -d postgres -qc "CREATE DATABASE \"$1\" TEMPLATE healthctl_bench_part_template"
  export DATABASE_URL="postgresql:///$1" PGDATABASE="$1"
}

# (b) the baseline: each whole partition copied to gzip by the server, then dropped.
bench_part_base_dir=$(mktemp -d /tmp/healthctl-bench-part.XXXXXX)
chmod 777 "$bench_part_base_dir"
bench_part_copy healthctl_bench_part_base
bench_part_children=$(psql -Atq -c "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '\"IntegrationHealthLog\"'::regclass AND c.relname <> 'IntegrationHealthLog_default' AND c.relname < 'IntegrationHealthLog_p' || to_char('$bench_part_cut'::date, 'YYYYMMDD') ORDER BY 1")
bench_part_script="$bench_part_base_dir/baseline.sql"
for child in $bench_part_children; do
  printf 'COPY "%s" TO PROGRAM %s;\nDROP TABLE "%s";\n' "$child" "'gzip -6 > $bench_part_base_dir/$child.gz'" "$child" >> "$bench_part_script"
done
bench_part_base=$(bench_time psql -q -f "$bench_part_script")
dropdb healthctl_bench_part_base

# (a) healthctl's batched prune of the same rows on the plain table.
rm -rf "$BENCH_DIR/part-plain-archive"
bench_copy_dataset healthctl_bench_part_plain
psql -q -c 'VACUUM ANALYZE "IntegrationHealthLog"' >/dev/null
bench_part_plain=$(bench_time "$HEALTHCTL" prune --before "$bench_part_cut" --archive-dir "$BENCH_DIR/part-plain-archive" --quiet)
bench_part_plain_mb=$(bench_last_peak_mb)
dropdb healthctl_bench_part_plain

# healthctl on the partitioned copy.
rm -rf "$BENCH_DIR/part-archive"
bench_part_copy healthctl_bench_part
bench_part_ours=$(bench_time "$HEALTHCTL" prune --before "$bench_part_cut" --archive-dir "$BENCH_DIR/part-archive" --quiet)
bench_part_mb=$(bench_last_peak_mb)
bench_part_left=$(psql -Atq -c "SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '$bench_part_cut'")
[ "$bench_part_left" = "0" ] || echo "partitioned prune benchmark: $bench_part_left rows left (expected 0)" >&2
bench_part_archived=$("$HEALTHCTL" archive verify "$BENCH_DIR/part-archive" --format json | awk -F': ' '/"rows"/ { gsub(/[ ,]/, "", $2); print $2; exit }')
[ "$bench_part_archived" = "$bench_part_count" ] || echo "partitioned prune benchmark: $bench_part_archived rows archived, expected $bench_part_count" >&2
psql -q -c 'ANALYZE "IntegrationHealthLog"' >/dev/null
bench_part_dead=$(psql -Atq -c "SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables WHERE relname LIKE 'IntegrationHealthLog%'")

bench_row "prune $bench_part_count rows on a daily-partitioned table (whole partitions detached, archived, dropped) vs COPY child TO PROGRAM gzip -6 + DROP per child" "$bench_part_ours" "$bench_part_base" "per-child COPY + DROP" "$bench_part_mb"
bench_row "  the same rows, partitioned vs healthctl's batched prune on the plain table" "$bench_part_ours" "$bench_part_plain" "healthctl batched prune, plain table ($bench_part_plain_mb MB)" "$bench_part_mb"
bench_fact "dead tuples left in the log table after the partitioned prune" "$bench_part_dead" "-"

# Insert latency of an application while prune works, against the same load alone for 20 s
# before it: the transactions that ended while the prune ran.
bench_part_load_dir="$bench_part_base_dir/load"
mkdir -p "$bench_part_load_dir"
cat > "$bench_part_load_dir/insert.sql" <<'SQL'
\set n random(1, 1000000000)
INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "responseTime", "checkedAt")
SELECT 'bench' || :n || '-' || pg_backend_pid() || '-' || clock_timestamp(), (SELECT id FROM "Integration" ORDER BY id LIMIT 1), 'HEALTHY', 100, now();
SQL
bench_part_copy healthctl_bench_part_load
# The copy leaves the server writing it out: settle first.
psql -q -c 'CHECKPOINT'
sleep 5
bench_load_run "$bench_part_load_dir" load -f insert.sql -R 100 -c 2 &
bench_part_load=$!
bench_part_idle_from=$(date +%s.%N)
sleep 20
bench_part_from=$(date +%s.%N)
rm -rf "$BENCH_DIR/part-load-archive"
"$HEALTHCTL" prune --before "$bench_part_cut" --archive-dir "$BENCH_DIR/part-load-archive" --quiet >/dev/null
bench_part_to=$(date +%s.%N)
touch "$bench_part_load_dir/stop"
wait "$bench_part_load"
read -r bench_part_idle_p99 _ bench_part_idle_count _ < <(bench_load_stats "$bench_part_load_dir" load "$bench_part_idle_from" "$bench_part_from")
read -r bench_part_busy_p99 _ bench_part_busy_count bench_part_failed < <(bench_load_stats "$bench_part_load_dir" load "$bench_part_from" "$bench_part_to")
bench_part_seconds=$(awk -v a="$bench_part_from" -v b="$bench_part_to" 'BEGIN { printf "%.1f", b - a }')
bench_fact "application insert latency p99 while the partitioned prune runs ($bench_part_seconds s; $bench_part_busy_count inserts, $bench_part_failed failed)" \
  "$bench_part_busy_p99 ms" "$bench_part_idle_p99 ms (idle, $bench_part_idle_count inserts)" \
  "$(awk -v a="$bench_part_busy_p99" -v b="$bench_part_idle_p99" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
dropdb healthctl_bench_part_load
dropdb healthctl_bench_part
dropdb healthctl_bench_part_template
rm -rf "$bench_part_base_dir"
