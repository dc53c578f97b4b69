-- One application transaction, for pgbench (-f workload.sql -D integrations=N -D late_seconds=S):
--  85 %   a health check of now, with a cuid-like id;
--   5 %   a check arriving late, up to late_seconds old (into days a job may be working on);
--  ~10 %  a new healthStatus and lastHealthCheck for an integration;
--   0.2 % an integration deleted, its log rows with it (ON DELETE CASCADE).
-- Each writes its ledger row in the same statement, so the ledger holds exactly what committed.
\set n random(1, :integrations)
\set r random(1, 1000)
\set late random(1, :late_seconds)
\if :r <= 900
WITH inserted AS (
  INSERT INTO "IntegrationHealthLog" (id, "integrationId", status, "errorMessage", "responseTime", "checkedAt")
  SELECT 'c' || lpad(to_hex(nextval('app_load.check_id')), 12, '0') || substr(md5(random()::text), 1, 12),
         i.id,
         CASE WHEN :r % 50 = 0 THEN 'ERROR' ELSE 'HEALTHY' END::"IntegrationHealthStatus",
         CASE WHEN :r % 50 = 0 THEN 'upstream returned 503' END,
         40 + :r,
         (now() AT TIME ZONE 'UTC') - CASE WHEN :r > 850 THEN make_interval(secs => :late) ELSE interval '0' END
  FROM app_load.integrations a JOIN "Integration" i ON i.id = a.id
  WHERE a.n = :n
  -- As an application must: an integration deleted meanwhile gets no check (not an FK error).
  FOR KEY SHARE OF i
  RETURNING id, "integrationId", "checkedAt")
INSERT INTO app_load.inserted SELECT * FROM inserted;
\elif :r <= 998
WITH updated AS (
  UPDATE "Integration"
  SET "healthStatus" = (ARRAY['HEALTHY', 'WARNING', 'ERROR'])[1 + :r % 3]::"IntegrationHealthStatus",
      "lastHealthCheck" = now() AT TIME ZONE 'UTC'
  WHERE id = (SELECT id FROM app_load.integrations WHERE n = :n)
  RETURNING id, "healthStatus")
INSERT INTO app_load.statuses (integration_id, status) SELECT id, "healthStatus"::text FROM updated;
\else
WITH deleted AS (
  DELETE FROM "Integration" WHERE id = (SELECT id FROM app_load.integrations WHERE n = :n) RETURNING id)
INSERT INTO app_load.deleted SELECT id FROM deleted;
\endif
