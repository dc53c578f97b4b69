# healthctl report on ISO week 2026-W47 (about 2 million rows) side by side with two psql
# baselines on the same week: one computing only counts, count-based uptime and percentile_cont,
# one adding time-weighted uptime with window functions. Then peak memory for the week and for
# a report over every row of the data set.
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
report_s=$(bench_time "$HEALTHCTL" report --period 2026-W47 --format json)
bench_row "report, one ISO week (psql: counts + percentile_cont only)" "$report_s" "$report_count_s" "count-only query"
bench_row "report, one ISO week (psql: + time-weighted via window functions)" "$report_s" "$report_window_s" "window-function query"

report_first=$(psql -X -At -c "SELECT to_char(min(\"checkedAt\"), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM \"IntegrationHealthLog\"")
report_last=$(psql -X -At -c "SELECT to_char(max(\"checkedAt\") + interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM \"IntegrationHealthLog\"")
report_week_mb=$(bench_peak_mb "$HEALTHCTL" report --period 2026-W47 --format json)
report_all_mb=$(bench_peak_mb "$HEALTHCTL" report --since "$report_first" --until "$report_last" --format json)
printf '| report peak memory, one ISO week | %s MB | limit 200 MB | - |\n' "$report_week_mb"
printf '| report peak memory, all rows (%s to %s) | %s MB | limit 400 MB | - |\n' "$report_first" "$report_last" "$report_all_mb"
