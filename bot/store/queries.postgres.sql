-- PostgreSQL's own form of the statements of queries.sql where the two differ; every other
-- statement is shared. Placeholders are written as in SQLite (? or :name) and numbered ($1, $2,
-- ...) by queries.numbered.

-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL
)

-- name: has_schema_migrations
SELECT 1 FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name = 'schema_migrations'

-- name: table_names
-- Every relation, not tables alone: a sequence or a view named lookups fails the first migration
-- too (a fourth attack).
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema()

-- The daily totals take a batch as one statement over column arrays (unnest), not a statement
-- per row: bench/bench_postgres.py measured the writer at 43,000 lookups/s with executemany.
-- Each batch holds a key once (rollup.roll_up adds up), as ON CONFLICT DO UPDATE requires.

-- name: upsert_catalog_entry
INSERT INTO catalog_entries (provider, entry_key, code, title)
SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]))
ON CONFLICT (provider, entry_key) DO UPDATE SET code = excluded.code, title = excluded.title
WHERE catalog_entries.code IS DISTINCT FROM excluded.code
   OR catalog_entries.title IS DISTINCT FROM excluded.title

-- name: add_outcomes
INSERT INTO daily_outcomes (day, outcome, count)
SELECT * FROM unnest(CAST(? AS integer[]), CAST(? AS text[]), CAST(? AS integer[]))
ON CONFLICT (day, outcome) DO UPDATE SET count = daily_outcomes.count + excluded.count

-- name: add_providers
INSERT INTO daily_providers (day, provider, count)
SELECT * FROM unnest(CAST(? AS integer[]), CAST(? AS text[]), CAST(? AS integer[]))
ON CONFLICT (day, provider) DO UPDATE SET count = daily_providers.count + excluded.count

-- name: add_entries
INSERT INTO daily_entries (day, provider, entry_key, count)
SELECT * FROM unnest(
    CAST(? AS integer[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS integer[]))
ON CONFLICT (day, provider, entry_key) DO UPDATE SET count = daily_entries.count + excluded.count

-- name: add_users
INSERT INTO daily_users (day, user_key)
SELECT * FROM unnest(CAST(? AS integer[]), CAST(? AS bigint[]))
ON CONFLICT DO NOTHING

-- name: add_entry_users
INSERT INTO daily_entry_users (day, provider, entry_key, user_key)
SELECT * FROM unnest(CAST(? AS integer[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[]))
ON CONFLICT DO NOTHING

-- name: add_gaps
INSERT INTO daily_gaps (day, gap, count)
SELECT * FROM unnest(CAST(? AS integer[]), CAST(? AS text[]), CAST(? AS integer[]))
ON CONFLICT (day, gap) DO UPDATE SET count = daily_gaps.count + excluded.count

-- name: upsert_vote
-- The latest vote wins, even if batches were to arrive out of order.
INSERT INTO votes (user_key, provider, entry_key, helpful, updated_at)
SELECT * FROM unnest(CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[]),
                     CAST(? AS smallint[]), CAST(? AS double precision[]))
ON CONFLICT (user_key, provider, entry_key) DO UPDATE
SET helpful = excluded.helpful, updated_at = excluded.updated_at
WHERE excluded.updated_at >= votes.updated_at

-- name: entry_counts
SELECT provider, entry_key, SUM(count) FROM daily_entries
WHERE day IN (SELECT CAST(d AS INTEGER) FROM jsonb_array_elements_text(CAST(:days AS jsonb)) AS d)
  AND (provider, entry_key) IN (
      SELECT e ->> 0, e ->> 1 FROM jsonb_array_elements(CAST(:entries AS jsonb)) AS e)
GROUP BY provider, entry_key

-- name: entry_users
SELECT provider, entry_key, COUNT(DISTINCT user_key) FROM daily_entry_users
WHERE day IN (SELECT CAST(d AS INTEGER) FROM jsonb_array_elements_text(CAST(:days AS jsonb)) AS d)
  AND (provider, entry_key) IN (
      SELECT e ->> 0, e ->> 1 FROM jsonb_array_elements(CAST(:entries AS jsonb)) AS e)
GROUP BY provider, entry_key

-- name: entry_titles
SELECT provider, entry_key, code, title FROM catalog_entries
WHERE (provider, entry_key) IN (
    SELECT e ->> 0, e ->> 1 FROM jsonb_array_elements(CAST(:entries AS jsonb)) AS e)
