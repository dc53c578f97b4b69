# Part 80: the application's workload (scripts/application-load/workload.sql: checks of now and
# late ones, status updates, a delete now and then; 200 transactions a second on 4 connections)
# on a copy of the standard data set: for each job, 10 s of the workload alone, then the job with
# its defaults. Per job: the application's transaction latency p99 and maximum during the job
# against idle (goal: p99 at most 1.5x idle), its statements that waited on a lock a healthctl
# session held (sampled every 10 ms; goal: none over 100 ms), and its failed transactions (goal:
# none). Latencies count the transactions that ended while the job ran; idle pools those of the
# 10-second windows.

bench_load_dir=$(mktemp -d /tmp/healthctl-bench-load.XXXXXX)
bench_load_scripts="$PWD/scripts/application-load"
bench_copy_dataset healthctl_bench_load
PGOPTIONS="-c client_min_messages=warning" psql -q -v ON_ERROR_STOP=1 -f "$bench_load_scripts/setup.sql" >/dev/null
bench_load_integrations=$(psql -Atc 'SELECT count(*) FROM app_load.integrations')

# The workload, in 5-second runs until $bench_load_dir/stop exists, logged under prefix $1.
bench_load_workload() {
  PGOPTIONS="-c lock_timeout=1000 -c statement_timeout=5000" bench_load_run "$bench_load_dir" "$1" \
    -f "$bench_load_scripts/workload.sql" -c 4 -j 2 -R 200 -D integrations="$bench_load_integrations" -D late_seconds=172800
}

# Runs a job (the arguments) under the workload, after the workload alone for 10 s in the same
# loop of pgbench runs; keeps its figures for the rows printed at the end, and the idle window's latencies for
# the idle figure, which pools the windows before every job (so it follows the machine through
# the part rather than catching one moment of it).
bench_load_results=()
bench_load_job() {
  local label=$1 prefix=$2
  shift 2
  rm -f "$bench_load_dir/stop"
  psql -q -c 'TRUNCATE app_load.lock_waits, app_load.sampler_stop'
  bench_load_workload "$prefix" &
  local load=$!
  sleep 2
  local idle_from seconds from to
  idle_from=$(date +%s.%N)
  sleep 10
  psql -q -v seconds=600 -f "$bench_load_scripts/lock-waits.sql" >/dev/null 2>&1 &
  local sampler=$!
  from=$(date +%s.%N)
  seconds=$(bench_time "$@")
  to=$(date +%s.%N)
  touch "$bench_load_dir/stop"
  wait "$load"
  psql -q -c 'INSERT INTO app_load.sampler_stop DEFAULT VALUES'
  wait "$sampler"
  bench_load_latencies "$bench_load_dir" "$prefix" "$idle_from" "$from" >>"$bench_load_dir/idle-latencies"
  local p99 max count failed waits
  read -r p99 max count failed < <(bench_load_stats "$bench_load_dir" "$prefix" "$from" "$to")
  waits=$(psql -Atc "SELECT count(*) FILTER (WHERE w > interval '100 ms') || ' over 100 ms, longest ' || coalesce(round(extract(epoch FROM max(w)) * 1000), 0) || ' ms' FROM (SELECT max(waited) AS w FROM app_load.lock_waits GROUP BY pid, query_start) s")
  bench_load_results+=("$label ($seconds s; $count transactions, $failed failed; lock waits on healthctl: $waits)|$p99|$max")
}

bench_load_cut=$(psql -Atq -c "SELECT to_char(\"checkedAt\", 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM \"IntegrationHealthLog\" ORDER BY \"checkedAt\" OFFSET ${BENCH_PRUNE_ROWS:-2000000} LIMIT 1")
psql -q -c "UPDATE \"Integration\" SET \"healthStatus\" = 'UNKNOWN', \"lastHealthCheck\" = NULL" -c "DELETE FROM healthctl.rollup_day WHERE day >= '2026-11-16'" -c 'VACUUM ANALYZE'
# The copy of the data set and the resets above leave the server writing them out: settle first.
psql -q -c 'CHECKPOINT'
sleep 5

# What the measurement itself moves by, and what plain CPU use alone does to the application on
# this machine: no job at all, and a compressor at the lowest CPU priority Linux has.
bench_load_job "no job (the workload alone for 20 s more: the spread of the measurement)" again sleep 20
head -c 120000000 /dev/urandom | base64 >"$bench_load_dir/noise.txt"
sync
bench_load_job "no job but gzip -6 of 160 MB of text at the lowest CPU priority (SCHED_IDLE)" hog sh -c "chrt --idle 0 gzip -6 <'$bench_load_dir/noise.txt' >/dev/null"
rm -f "$bench_load_dir/noise.txt"
bench_load_job "report, one ISO week from log rows" report "$HEALTHCTL" report --period 2026-W47 --format json --source raw
bench_load_job "rollup of 7 days" rollup "$HEALTHCTL" rollup --quiet
bench_load_job "backfill of $bench_load_integrations integrations" backfill "$HEALTHCTL" backfill --quiet
bench_load_job "prune of the oldest ${BENCH_PRUNE_ROWS:-2000000} rows" prune "$HEALTHCTL" prune --before "$bench_load_cut" --archive-dir "$bench_load_dir/archive" --quiet
bench_load_job "archive restore of those rows" restore "$HEALTHCTL" archive restore "$bench_load_dir/archive" --quiet
read -r bench_load_idle_p99 bench_load_idle_max bench_load_idle_count < <(bench_latency_summary <"$bench_load_dir/idle-latencies"; echo)
for result in "${bench_load_results[@]}"; do
  IFS='|' read -r what p99 max <<<"$result"
  bench_fact "application p99 / max latency during $what" "$p99 ms / $max ms" \
    "$bench_load_idle_p99 ms / $bench_load_idle_max ms (idle: $bench_load_idle_count transactions in the 10 s before each job)" \
    "$(awk -v a="$p99" -v b="$bench_load_idle_p99" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
done
dropdb healthctl_bench_load
rm -rf "$bench_load_dir"
export DATABASE_URL="postgresql:///$BENCH_DATABASE" PGDATABASE="$BENCH_DATABASE"
