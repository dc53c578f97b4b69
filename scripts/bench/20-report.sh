# healthctl report on ISO week 2026-W47 (about 2 million rows) side by side with two psql
# baselines on the same week: one computing only counts, count-based uptime and percentile_cont,
# one adding time-weighted uptime with window functions. The report runs twice: from the log
# rows (--source raw) and from the rollups the nightly job keeps. Then peak memory, the nightly
# rollup of one day, and 365-day reports from day and month rollups.
bench_ensure_dataset

report_week_since='2026-11-16 00:00:00'
report_week_until='2026-11-23 00:00:00'

report_count_sql="
SELECT \"integrationId\", count(*) AS checks,
       count(*) FILTER (WHERE status = 'ERROR') AS errors,
       (count(*) FILTER (WHERE status IN ('HEALTHY', 'WARNING')))::float8
         / nullif(count(*) FILTER (WHERE status IN ('HEALTHY', 'WARNING', 'ERROR')), 0) AS uptime,
       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY \"responseTime\") AS latency
FROM \"IntegrationHealthLog\"
WHERE \"checkedAt\" >= '$report_week_since' AND \"checkedAt\" < '$report_week_until'
GROUP BY \"integrationId\""

report_window_sql="
WITH held AS (
  SELECT \"integrationId\", status,
         extract(epoch FROM least(
           coalesce(lead(\"checkedAt\") OVER (PARTITION BY \"integrationId\" ORDER BY \"checkedAt\"), '$report_week_until'),
           \"checkedAt\" + interval '10 minutes', '$report_week_until') - \"checkedAt\") AS seconds
  FROM \"IntegrationHealthLog\"
  WHERE \"checkedAt\" >= '$report_week_since' AND \"checkedAt\" < '$report_week_until')
SELECT \"integrationId\", count(*) AS checks,
       sum(seconds) FILTER (WHERE status IN ('HEALTHY', 'WARNING'))
         / nullif(sum(seconds) FILTER (WHERE status IN ('HEALTHY', 'WARNING', 'ERROR')), 0) AS time_weighted
FROM held
GROUP BY \"integrationId\""

report_count_s=$(bench_time psql -X -q -v ON_ERROR_STOP=1 -c "$report_count_sql")
report_window_s=$(bench_time psql -X -q -v ON_ERROR_STOP=1 -c "$report_window_sql")
report_raw_s=$(bench_time "$HEALTHCTL" report --period 2026-W47 --format json --source raw)
report_raw_mb=$(bench_last_peak_mb)
report_rollup_s=$(bench_time "$HEALTHCTL" report --period 2026-W47 --format json)
report_rollup_mb=$(bench_last_peak_mb)
bench_row "report, one ISO week from log rows (psql: counts + percentile_cont only; memory limit 200 MB)" "$report_raw_s" "$report_count_s" "count-only query" "$report_raw_mb"
bench_row "report, one ISO week from log rows (psql: + time-weighted via window functions)" "$report_raw_s" "$report_window_s" "window-function query" "$report_raw_mb"
bench_row "report, one ISO week from rollups (psql: counts + percentile_cont only)" "$report_rollup_s" "$report_count_s" "count-only query" "$report_rollup_mb"

report_first=$(psql -X -At -c "SELECT to_char(min(\"checkedAt\"), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM \"IntegrationHealthLog\"")
report_last=$(psql -X -At -c "SELECT to_char(max(\"checkedAt\") + interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM \"IntegrationHealthLog\"")
report_rows=$(psql -X -At -c 'SELECT count(*) FROM "IntegrationHealthLog"')
report_all_mb=$(bench_peak_mb "$HEALTHCTL" report --since "$report_first" --until "$report_last" --format json --source raw)
report_all_rollup_mb=$(bench_peak_mb "$HEALTHCTL" report --since "$report_first" --until "$report_last" --format json)
bench_fact "report peak memory, all $report_rows rows ($report_first to $report_last) from log rows" "$report_all_mb MB" "goal 120 MB"
bench_fact "report peak memory, the same window from rollups" "$report_all_rollup_mb MB" "-"

# The nightly rollup of one day (2026-11-22, the last), against one GROUP BY of that day's counts
# and percentile_disc per integration.
report_day_sql="
SELECT \"integrationId\", status, count(*), percentile_disc(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY \"responseTime\")
FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" >= '2026-11-22' AND \"checkedAt\" < '2026-11-23'
GROUP BY 1, 2"
report_day_rows=$(psql -X -At -c "SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" >= '2026-11-22' AND \"checkedAt\" < '2026-11-23'")
psql -X -q -c "DELETE FROM healthctl.rollup_day WHERE day = '2026-11-22'"
report_day_s=$(bench_time "$HEALTHCTL" rollup --since 2026-11-22 --until 2026-11-23 --quiet)
report_day_mb=$(bench_last_peak_mb)
report_day_base_s=$(bench_time psql -X -q -v ON_ERROR_STOP=1 -c "$report_day_sql")
bench_row "rollup of one day ($report_day_rows rows; goal at most 1 s)" "$report_day_s" "$report_day_base_s" "GROUP BY with percentile_disc" "$report_day_mb"

# A year of rollups: the data set's 35 days of rollups (2026-10-19 to 2026-11-22) repeated back to
# 365 days in a copy. Each year report is the median of three runs.
bench_copy_dataset healthctl_bench_year
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
DELETE FROM healthctl.rollup_day WHERE day < '2026-10-19' OR day >= '2026-11-23';
INSERT INTO healthctl.rollup_day (day, rows, max_gap, format, rolled_up_at)
SELECT day - 35 * k, rows, max_gap, format, rolled_up_at FROM healthctl.rollup_day, generate_series(1, 10) k;
INSERT INTO healthctl.rollup (day, integration_id, checks, piece)
SELECT day - 35 * k, integration_id, checks, piece FROM healthctl.rollup, generate_series(1, 10) k;
SQL
# The nightly rollup merges complete months into month rollups; here all twelve at once.
report_months_s=$(bench_time "$HEALTHCTL" rollup --until 2026-11-23 --quiet)
report_months_mb=$(bench_last_peak_mb)
bench_fact "rollup merging a year of day rollups into month rollups (12 months)" "$report_months_s s, $report_months_mb MB" "-"
# Vacuumed, as autovacuum leaves the rollup tables between nightly runs: the first read of rows
# just inserted would otherwise write their hint bits.
psql -X -q -v ON_ERROR_STOP=1 -c 'VACUUM (ANALYZE) healthctl.rollup_day, healthctl.rollup, healthctl.rollup_month, healthctl.rollup_month_piece'
report_year_s=$(bench_median_time "$HEALTHCTL" report --since 2025-11-23 --until 2026-11-23 --format json)
report_year_mb=$(bench_last_peak_mb)
report_year_pieces=$(psql -X -At -c "SELECT count(*) FROM healthctl.rollup WHERE day >= '2025-11-23'")
report_year_month_pieces=$(psql -X -At -c "SELECT count(*) FROM healthctl.rollup_month_piece WHERE month >= '2025-12-01' AND month < '2026-11-01'")
bench_row "report, 365 days from rollups as JSON, with a daily series ($report_year_month_pieces month pieces for 11 whole months, day pieces for 30 days, 35 days with rows; $report_year_pieces day pieces without month rollups; goal at most 1 s)" "$report_year_s" "$report_count_s" "count-only query over one week of rows" "$report_year_mb"
# The same year as CSV, one row per integration (an annual SLA sheet): no daily series, so whole
# months come from month rollups; the last 35 days still have log rows, counted to check them.
report_year_csv_s=$(bench_median_time "$HEALTHCTL" report --since 2025-11-23 --until 2026-11-23 --format csv)
report_year_csv_mb=$(bench_last_peak_mb)
bench_row "  the same year as CSV, one row per integration (11 month rollups, 35 days with rows)" "$report_year_csv_s" "$report_count_s" "count-only query over one week of rows" "$report_year_csv_mb"
# Once the log rows are pruned, every day and month comes from rollups alone.
psql -X -q -v ON_ERROR_STOP=1 -c 'TRUNCATE "IntegrationHealthLog"'
report_year_pruned_s=$(bench_median_time "$HEALTHCTL" report --since 2025-11-23 --until 2026-11-23 --format csv)
report_year_pruned_mb=$(bench_last_peak_mb)
bench_row "  the same year as CSV with its log rows pruned (rollups only)" "$report_year_pruned_s" "$report_count_s" "count-only query over one week of rows" "$report_year_pruned_mb"
# A calendar-aligned year (an annual SLA report): twelve whole months, no day pieces.
report_year_aligned_s=$(bench_median_time "$HEALTHCTL" report --since 2025-11-01 --until 2026-11-01 --format csv)
report_year_aligned_mb=$(bench_last_peak_mb)
bench_row "  twelve whole months (2025-11 to 2026-10) as CSV, rollups only" "$report_year_aligned_s" "$report_count_s" "count-only query over one week of rows" "$report_year_aligned_mb"
report_year_aligned_json_s=$(bench_median_time "$HEALTHCTL" report --since 2025-11-01 --until 2026-11-01 --format json)
report_year_aligned_json_mb=$(bench_last_peak_mb)
bench_row "  the same twelve months as JSON, with a daily series" "$report_year_aligned_json_s" "$report_count_s" "count-only query over one week of rows" "$report_year_aligned_json_mb"
psql -d postgres -qc 'DROP DATABASE healthctl_bench_year WITH (FORCE)'
export DATABASE_URL="postgresql:///$BENCH_DATABASE" PGDATABASE="$BENCH_DATABASE"
