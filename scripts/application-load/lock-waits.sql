-- Samples every 10 ms, for :seconds seconds or until a row appears in app_load.sampler_stop, the application statements (application_name
-- pgbench) waiting on a lock that a healthctl session holds, into app_load.lock_waits; the
-- longest wait of each statement is then max(waited) per (pid, query_start).
-- psql -v seconds=N -f lock-waits.sql
SELECT set_config('app_load.seconds', :'seconds', false) \gset
DO $$
DECLARE
  deadline timestamptz := clock_timestamp() + make_interval(secs => current_setting('app_load.seconds')::float8);
BEGIN
  WHILE clock_timestamp() < deadline AND NOT EXISTS (SELECT FROM app_load.sampler_stop) LOOP
    PERFORM pg_stat_clear_snapshot();
    INSERT INTO app_load.lock_waits
    SELECT a.pid, a.query_start, clock_timestamp() - a.query_start
    FROM pg_stat_activity a
    WHERE a.application_name = 'pgbench' AND a.wait_event_type = 'Lock'
      AND EXISTS (SELECT 1 FROM pg_stat_activity h WHERE h.pid = ANY (pg_blocking_pids(a.pid)) AND h.application_name LIKE 'healthctl%');
    PERFORM pg_sleep(0.01);
  END LOOP;
END $$;
