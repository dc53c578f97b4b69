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
bench_prune_mb=$(bench_last_peak_mb)
bench_prune_left=$(psql -Atq -c "SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '$bench_prune_cut'")
[ "$bench_prune_left" = "0" ] || echo "prune benchmark: $bench_prune_left rows left (expected 0)" >&2
bench_row "prune the oldest $bench_prune_count rows into gzip archives (batched, fsynced)" "$bench_prune_ours" "$bench_prune_base" "one COPY (DELETE ... RETURNING *) TO PROGRAM gzip -6" "$bench_prune_mb"
bench_prune_size_base=$(stat -c %s "$bench_prune_base_dir/slice.gz")
bench_prune_size_ours=$(find "$BENCH_DIR/prune-archive" -name '*.csv.gz' -printf '%s\n' | awk '{ s += $1 } END { print s }')
bench_fact "archive size for $bench_prune_count rows" \
  "$(awk -v b="$bench_prune_size_ours" 'BEGIN { printf "%.2f MB", b / 1e6 }')" \
  "$(awk -v b="$bench_prune_size_base" 'BEGIN { printf "%.2f MB (gzip -6)", b / 1e6 }')" \
  "$(awk -v a="$bench_prune_size_ours" -v b="$bench_prune_size_base" 'BEGIN { printf "%.3f", a / b }')"

# archive verify of healthctl's archive against decompressing it (gzip -t: CRCs only), and
# archive restore of it into the pruned copy against loading the baseline's file with \copy.
bench_prune_files=$(find "$BENCH_DIR/prune-archive" -name '*.csv.gz' | sort)
bench_verify_base=$(bench_time gzip -t $bench_prune_files)
bench_verify_ours=$(bench_time "$HEALTHCTL" archive verify "$BENCH_DIR/prune-archive")
bench_row "archive verify of those rows (CRCs, CSV, manifests, SHA-256, ids archived twice)" "$bench_verify_ours" "$bench_verify_base" "gzip -t of the same files" "$(bench_last_peak_mb)"
bench_restore_ours=$(bench_time "$HEALTHCTL" archive restore "$BENCH_DIR/prune-archive" --quiet)
bench_restore_mb=$(bench_last_peak_mb)
bench_restore_back=$(psql -Atq -c "SELECT count(*) FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '$bench_prune_cut'")
[ "$bench_restore_back" = "$bench_prune_count" ] || echo "restore benchmark: $bench_restore_back rows back, expected $bench_prune_count" >&2
psql -q -c "DELETE FROM \"IntegrationHealthLog\" WHERE \"checkedAt\" < '$bench_prune_cut'" -c 'VACUUM ANALYZE "IntegrationHealthLog"'
bench_restore_base=$(bench_time sh -c "gzip -dc '$bench_prune_base_dir/slice.gz' | psql -q -v ON_ERROR_STOP=1 -c '\\copy \"IntegrationHealthLog\" FROM pstdin'")
bench_row "archive restore of those rows (verified first, batches of 10,000 rows, ON CONFLICT DO NOTHING)" "$bench_restore_ours" "$bench_restore_base" "gzip -dc | psql \\copy FROM STDIN" "$bench_restore_mb"
dropdb healthctl_bench_prune
rm -rf "$bench_prune_base_dir"
