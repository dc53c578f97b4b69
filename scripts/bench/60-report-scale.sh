# How report time and memory grow with the window: 1, 4 and 16 weeks and 90 days of
# BENCH_INTEGRATIONS integrations (a data set of BENCH_SCALE_DAYS days, default 112, seeded once
# into healthctl_bench_scale and kept), from log rows against the count-only psql query over the
# same window, then from rollups.
bench_scale_days="${BENCH_SCALE_DAYS:-112}"
export DATABASE_URL="postgresql:///healthctl_bench_scale" PGDATABASE="healthctl_bench_scale"
if ! psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'healthctl_bench_scale'" | grep -q 1; then
  psql -d postgres -qc 'CREATE DATABASE healthctl_bench_scale'
  "$HEALTHCTL" schema apply --with-base-table --quiet
  echo "seeding $bench_scale_days days into healthctl_bench_scale ..." >&2
  "$HEALTHCTL" seed --integrations "$BENCH_INTEGRATIONS" --days "$bench_scale_days" --interval 5m --seed 2 --until 2026-11-23T00:00:00Z --quiet >&2
  psql -qc 'VACUUM (ANALYZE) "IntegrationHealthLog"'
  "$HEALTHCTL" rollup --quiet >/dev/null
fi

bench_scale_count_sql() {
  echo "SELECT \"integrationId\", count(*), count(*) FILTER (WHERE status = 'ERROR'),
    percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY \"responseTime\")
  FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" >= '$1' AND \"checkedAt\" < '2026-11-23' GROUP BY 1"
}

for bench_scale_window in 7 28 90 112; do
  [ "$bench_scale_window" -le "$bench_scale_days" ] || continue
  since=$(date -u -d "2026-11-23 - $bench_scale_window days" +%Y-%m-%d)
  rows=$(psql -X -At -c "SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" >= '$since' AND \"checkedAt\" < '2026-11-23'")
  base_s=$(bench_time psql -X -q -v ON_ERROR_STOP=1 -c "$(bench_scale_count_sql "$since")")
  raw_s=$(bench_time "$HEALTHCTL" report --since "$since" --until 2026-11-23 --format json --source raw)
  raw_mb=$(bench_last_peak_mb)
  rollup_s=$(bench_time "$HEALTHCTL" report --since "$since" --until 2026-11-23 --format json)
  rollup_mb=$(bench_last_peak_mb)
  bench_row "report, $bench_scale_window days ($rows rows) from log rows" "$raw_s" "$base_s" "count-only query" "$raw_mb"
  bench_row "report, $bench_scale_window days from rollups" "$rollup_s" "$base_s" "count-only query" "$rollup_mb"
  if [ "$bench_scale_window" = 90 ]; then
    # Rendering alone, as the report logs it: the HTML page against the JSON document of the same report.
    for format in html json; do
      "$HEALTHCTL" report --since "$since" --until 2026-11-23 --format "$format" --output "$BENCH_DIR/scale.$format" --log-level info \
        2>"$BENCH_DIR/render.log" >/dev/null
      sed -nE 's/.*rendered [a-z]+ in ([0-9.e-]+) seconds, ([0-9]+) bytes.*/\1 \2/p' "$BENCH_DIR/render.log" > "$BENCH_DIR/render.$format"
    done
    read -r html_s html_bytes < "$BENCH_DIR/render.html"
    read -r json_s json_bytes < "$BENCH_DIR/render.json"
    bench_row "HTML rendering, $BENCH_INTEGRATIONS integrations x 90 days, $(awk -v b="$html_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB file (goals 0.3 s, 5 MB)" \
      "$(awk -v s="$html_s" 'BEGIN { printf "%.2f", s }')" "$(awk -v s="$json_s" 'BEGIN { printf "%.2f", s }')" \
      "JSON rendering of the same report, $(awk -v b="$json_bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB"
  fi
done
export DATABASE_URL="postgresql:///$BENCH_DATABASE" PGDATABASE="$BENCH_DATABASE"
