# Shared by the benchmark parts: timing helpers and the table printer.
# Every part prints rows "| what | healthctl | baseline | ratio |" through bench_row.

# Runs a command and prints its wall time in seconds (to 0.01 s) on stdout.
bench_time() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}

# Peak resident memory in MB of a command (GNU time's %M is in KB).
bench_peak_mb() {
  /usr/bin/time -f '%M' -o "$BENCH_DIR/peak" "$@" >/dev/null
  awk '{ printf "%.0f", $1 / 1024 }' "$BENCH_DIR/peak"
}

bench_row() {
  # what, healthctl seconds, baseline seconds, baseline name
  local ratio
  ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  printf '| %s | %s s | %s s (%s) | %s |\n' "$1" "$2" "$3" "$4" "$ratio"
}

echo "| benchmark | healthctl | psql baseline | ratio (healthctl / baseline) |"
echo "|---|---|---|---|"
