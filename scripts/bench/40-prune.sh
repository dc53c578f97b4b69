# Part 40: prune. The same oldest BENCH_PRUNE_ROWS rows (default 2 million) of the standard data
# set are archived and deleted twice, each time in a fresh copy of it: once by the single-statement
# baseline COPY (DELETE ... RETURNING *) TO PROGRAM 'gzip -6 > file', once by healthctl prune
# (batched, fsynced, with manifests). Prints time and archive size side by side, then verifies
# healthctl's archive.

bench_prune_rows="${BENCH_PRUNE_ROWS:-2000000}"
bench_ensure_dataset
# The cutoff: the checkedAt of the row after the oldest $bench_prune_rows.
bench_prune_cut=$(psql -Atq -c "SELECT to_char(\"checkedAt\", 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM \"IntegrationHealthLog\" ORDER BY \"checkedAt\" OFFSET $bench_prune_rows LIMIT 1")
bench_prune_count=$(psql -Atq -c "SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '$bench_prune_cut'")

# The server writes the baseline's file itself, so it goes to a directory the server's user can enter.
bench_prune_base_dir=$(mktemp -d /tmp/healthctl-bench-prune.XXXXXX)
chmod 777 "$bench_prune_base_dir"
bench_copy_dataset healthctl_bench_prune_base
psql -q -c 'VACUUM ANALYZE "IntegrationHealthLog"' >/dev/null
bench_prune_base=$(bench_time psql -q -c "COPY (DELETE FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '$bench_prune_cut' RETURNING *) TO PROGRAM 'gzip -6 > $bench_prune_base_dir/slice.gz'")
dropdb healthctl_bench_prune_base

rm -rf "$BENCH_DIR/prune-archive"
bench_copy_dataset healthctl_bench_prune
psql -q -c 'VACUUM ANALYZE "IntegrationHealthLog"' >/dev/null
bench_prune_ours=$(bench_time "$HEALTHCTL" prune --before "$bench_prune_cut" --archive-dir "$BENCH_DIR/prune-archive" ${BENCH_PRUNE_FLAGS:-} --quiet)
bench_prune_left=$(psql -Atq -c "SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '$bench_prune_cut'")
[ "$bench_prune_left" = "0" ] || echo "prune benchmark: $bench_prune_left rows left (expected 0)" >&2
bench_row "prune the oldest $bench_prune_count rows into gzip archives (batched, fsynced)" "$bench_prune_ours" "$bench_prune_base" "one COPY (DELETE ... RETURNING *) TO PROGRAM gzip -6"
bench_prune_size_base=$(stat -c %s "$bench_prune_base_dir/slice.gz")
bench_prune_size_ours=$(find "$BENCH_DIR/prune-archive" -name '*.csv.gz' -printf '%s\n' | awk '{ s += $1 } END { print s }')
printf '| archive size for %s rows | %s MB | %s MB (gzip -6) | %s |\n' "$bench_prune_count" \
  "$(awk -v b="$bench_prune_size_ours" 'BEGIN { printf "%.2f", b / 1e6 }')" \
  "$(awk -v b="$bench_prune_size_base" 'BEGIN { printf "%.2f", b / 1e6 }')" \
  "$(awk -v a="$bench_prune_size_ours" -v b="$bench_prune_size_base" 'BEGIN { printf "%.3f", a / b }')"
"$HEALTHCTL" archive verify "$BENCH_DIR/prune-archive" >&2
dropdb healthctl_bench_prune
rm -rf "$bench_prune_base_dir"
