-- The application-load workload's own tables, beside the application's (schema app_load):
-- what the application inserted, the statuses it wrote (in commit order for each integration)
-- and the integrations it deleted, for the invariants checked after a job ran under load.
-- Run again, it starts a fresh ledger.
CREATE SCHEMA IF NOT EXISTS app_load;
DROP TABLE IF EXISTS app_load.integrations, app_load.inserted, app_load.statuses, app_load.deleted, app_load.lock_waits, app_load.sampler_stop;
DROP SEQUENCE IF EXISTS app_load.check_id;
CREATE TABLE app_load.integrations (n serial PRIMARY KEY, id text NOT NULL);
INSERT INTO app_load.integrations (id) SELECT id FROM "Integration" ORDER BY id;
CREATE TABLE app_load.inserted (id text PRIMARY KEY, integration_id text NOT NULL, checked_at timestamp(3) NOT NULL);
CREATE TABLE app_load.statuses (seq bigserial PRIMARY KEY, integration_id text NOT NULL, status text NOT NULL);
CREATE TABLE app_load.deleted (integration_id text PRIMARY KEY);
-- Application statements found waiting on a lock a healthctl session holds (see lock-waits.sql).
CREATE TABLE app_load.lock_waits (pid int, query_start timestamptz, waited interval);
-- A row here ends the sampling.
CREATE TABLE app_load.sampler_stop (at timestamptz DEFAULT now());
CREATE SEQUENCE app_load.check_id;
