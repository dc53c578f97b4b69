# Shared by the benchmark parts: timing helpers and the table printer.
# Every part prints rows "| what | healthctl | peak RSS | baseline | ratio |" through bench_row.

# Runs a command under GNU time and prints its wall time in seconds (to 0.01 s) on stdout; its
# peak resident memory is then bench_last_peak_mb. The command's stdout goes to BENCH_STDOUT
# (default /dev/null).
bench_time() {
  local status=0
  /usr/bin/time -f '%e %M' -o "$BENCH_DIR/last-run" "$@" >"${BENCH_STDOUT:-/dev/null}" || status=$?
  bench_last_seconds
  # A failed command is no figure: the benchmark stops, saying which.
  [ "$status" = 0 ] || { echo "benchmark: $1 failed (exit $status)" >&2; return "$status"; }
}

# The same, run three times: prints the median wall time; bench_last_peak_mb is then the largest
# peak of the three. For sub-second figures, which one run on a busy machine blurs.
bench_median_time() {
  local runs=() peak=0 mb
  for _ in 1 2 3; do
    runs+=("$(bench_time "$@")") || return
    mb=$(bench_last_peak_mb)
    [ "$mb" -gt "$peak" ] && peak=$mb
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | tr -d '\n'
  # bench_last_peak_mb reads the last line: the largest of the three peaks, in KB.
  echo "0 $((peak * 1024))" >>"$BENCH_DIR/last-run"
}

# Wall seconds and peak resident MB of the last bench_time (GNU time's %M is in KB; a failed
# command adds a line before the figures).
bench_last_seconds() { awk 'END { printf "%.2f", $1 }' "$BENCH_DIR/last-run"; }
bench_last_peak_mb() { awk 'END { printf "%.0f", $2 / 1024 }' "$BENCH_DIR/last-run"; }

# Peak resident memory in MB of a command.
bench_peak_mb() {
  bench_time "$@" >/dev/null
  bench_last_peak_mb
}

bench_row() {
  # what, healthctl seconds, baseline seconds, baseline name, healthctl's peak MB (or -)
  local ratio peak=${5:--}
  ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  [ "$peak" = - ] || peak="$peak MB"
  printf '| %s | %s s | %s | %s s (%s) | %s |\n' "$1" "$2" "$peak" "$3" "$4" "$ratio"
}

# A row that is not a timing: what, healthctl's figure, baseline figure, ratio.
bench_fact() {
  printf '| %s | %s | - | %s | %s |\n' "$1" "$2" "$3" "${4:--}"
}

# The standard data set: BENCH_INTEGRATIONS integrations x BENCH_DAYS days of 5-minute checks
# (defaults 1000 x 35: 9,302,659 rows; ISO week 2026-W47 is its last week), seeded once
# into the database BENCH_DATABASE and reused by every part. Parts that change data work on a
# copy (bench_copy_dataset).
BENCH_DATABASE="${BENCH_DATABASE:-healthctl_bench}"
BENCH_SEED_ARGS=(--integrations "$BENCH_INTEGRATIONS" --days "$BENCH_DAYS" --interval 5m --seed 1 --until 2026-11-23T00:00:00Z)

# Makes the standard data set exist (skipping the seed when its log table already has rows) and
# points healthctl and psql at it: exports DATABASE_URL and PGDATABASE.
bench_ensure_dataset() {
  if ! psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DATABASE'" | grep -q 1; then
    psql -d postgres -qc "CREATE DATABASE \"$BENCH_DATABASE\""
  fi
  export DATABASE_URL="postgresql:///$BENCH_DATABASE" PGDATABASE="$BENCH_DATABASE"
  "$HEALTHCTL" schema apply --with-base-table --quiet
  local rows
  rows=$(psql -Atc 'SELECT count(*) FROM (SELECT 1 FROM "IntegrationHealthLog" LIMIT 1) AS any_row')
  if [ "$rows" = 0 ]; then
    echo "seeding the standard data set into $BENCH_DATABASE ..." >&2
    "$HEALTHCTL" seed "${BENCH_SEED_ARGS[@]}" --quiet >&2
  fi
  # Vacuumed, as autovacuum leaves an insert-only table: index-only scans need its visibility map.
  if [ "$(psql -Atc "SELECT coalesce(last_vacuum, last_autovacuum) IS NULL FROM pg_stat_user_tables WHERE relname = 'IntegrationHealthLog'")" = t ]; then
    psql -qc 'VACUUM (ANALYZE) "IntegrationHealthLog"'
  fi
  # Rolled up, as the nightly job leaves a database (prune refuses days without a rollup).
  if [ "$(psql -Atc "SELECT to_regclass('healthctl.rollup_day') IS NOT NULL AND EXISTS (SELECT FROM healthctl.rollup_day)")" != t ]; then
    echo "rolling up the standard data set ..." >&2
    "$HEALTHCTL" rollup --quiet >/dev/null
  fi
}

# Creates database $1 as a copy of the standard data set (for parts that delete or update rows)
# and points DATABASE_URL and PGDATABASE at it.
bench_copy_dataset() {
  bench_ensure_dataset
  PGOPTIONS="-c client_min_messages=warning" psql -d postgres -qc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
  psql -d postgres -qc "CREATE DATABASE \"$1\" TEMPLATE \"$BENCH_DATABASE\""
  export DATABASE_URL="postgresql:///$1" PGDATABASE="$1"
}

echo "| benchmark | healthctl | peak RSS | psql baseline | ratio (healthctl / baseline) |"
echo "|---|---|---|---|---|"

# An application's load for the gentleness rows: pgbench (the arguments after the first two) in
# 5-second runs, each logging every transaction under prefix $2 in directory $1, until $1/stop
# exists. Ends too when the benchmark's shell has exited, $1 is gone or pgbench cannot run at all
# (exit 1: no server), so a failed benchmark leaves no loop behind. Run it in the background.
bench_load_run() {
  local dir=$1 prefix=$2 segment=0 status pgbench owner=$$
  shift 2
  pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)
  while [ ! -e "$dir/stop" ] && [ -d "$dir" ] && kill -0 "$owner" 2>/dev/null; do
    segment=$((segment + 1))
    status=0
    (cd "$dir" && "$pgbench" -n -T 5 -l --log-prefix="$prefix.$segment" "$@" >"$prefix.$segment.out" 2>&1) || status=$?
    [ "$status" != 1 ] || break
  done
}

# The latencies in microseconds of the transactions logged in $1 under prefix $2 that ended
# between the epoch seconds $3 and $4 (default: all), one a line.
bench_load_latencies() {
  cat "$1"/"$2".*.[0-9]* 2>/dev/null |
    awk -v from="${3:-0}" -v to="${4:-1e12}" '{ t = $5 + $6 / 1e6; if (t >= from && t <= to) print $3 }'
}

# p99 and max latency in ms of the latencies on stdin, and how many.
bench_latency_summary() {
  sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.1f %.1f %d", v[i] / 1000, v[NR] / 1000, NR }'
}

# p99, max and count (bench_latency_summary) of the transactions of bench_load_latencies, then
# the failed ones under prefix $2.
bench_load_stats() {
  bench_load_latencies "$@" | bench_latency_summary
  printf ' %s\n' "$(cat "$1"/"$2".*.out | awk '/number of failed transactions/ { f += $5 } /aborted/ { f += 1000000 } END { print f + 0 }')"
}
