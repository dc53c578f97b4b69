# Part 70: archive verify at scale, without a database: a synthetic archive of BENCH_ARCHIVE_ROWS
# rows (default 100 million; one file of a million rows per day, members of 100,000 rows; made
# by make-archive.py once and kept in BENCH_DIR) verified by healthctl against gzip -t of the same
# files. Goal: at most 200 MB of memory, whatever the number of rows.

bench_archive_rows="${BENCH_ARCHIVE_ROWS:-100000000}"
bench_archive_dir="$BENCH_DIR/archive-$bench_archive_rows"
if [ ! -f "$bench_archive_dir/.complete" ]; then
  echo "writing a synthetic archive of $bench_archive_rows rows ..." >&2
  rm -rf "$bench_archive_dir"
  scripts/bench/make-archive.py "$bench_archive_dir" "$bench_archive_rows"
  touch "$bench_archive_dir/.complete"
fi
bench_archive_bytes=$(find "$bench_archive_dir" -name '*.csv.gz' -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f", s / 1e9 }')
bench_archive_base=$(bench_time sh -c "find '$bench_archive_dir' -name '*.csv.gz' -print0 | xargs -0 gzip -t")
bench_archive_ours=$(bench_time "$HEALTHCTL" archive verify "$bench_archive_dir")
bench_row "archive verify of $bench_archive_rows synthetic rows ($bench_archive_bytes GB compressed; goal at most 200 MB)" \
  "$bench_archive_ours" "$bench_archive_base" "gzip -t of the same files" "$(bench_last_peak_mb)"
