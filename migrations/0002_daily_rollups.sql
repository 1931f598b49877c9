-- Daily totals the writer keeps in step with the lookups it inserts (same transaction), so a
-- report reads a few thousand rows instead of every lookup. Days are UTC day numbers (days since
-- 1970-01-01): integers keep these tables small and their inserts fast.
-- The backfill below fills them from the lookups an earlier version logged; gap_text() is the
-- Python function the migration runner registers (bot/analytics/rollup.py), so the gaps group
-- exactly as the writer groups them.

CREATE TABLE daily_outcomes (
    day INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, outcome)
) WITHOUT ROWID;

CREATE TABLE daily_providers (
    day INTEGER NOT NULL,
    provider TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, provider)
) WITHOUT ROWID;

-- Every entry an answer showed counts, so a lookup of two codes counts both.
CREATE TABLE daily_entries (
    day INTEGER NOT NULL,
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, provider, entry_key)
) WITHOUT ROWID;

-- Who looked something up on a day, and who looked up what: unique people without the raw rows.
CREATE TABLE daily_users (
    day INTEGER NOT NULL,
    user_key INTEGER NOT NULL,
    PRIMARY KEY (day, user_key)
) WITHOUT ROWID;

CREATE TABLE daily_entry_users (
    day INTEGER NOT NULL,
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    user_key INTEGER NOT NULL,
    PRIMARY KEY (day, provider, entry_key, user_key)
) WITHOUT ROWID;

-- What people asked that no catalog answered, grouped by gap_text().
CREATE TABLE daily_gaps (
    day INTEGER NOT NULL,
    gap TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, gap)
) WITHOUT ROWID;

CREATE TEMP VIEW shown AS
    SELECT CAST(at / 86400 AS INTEGER) AS day, provider, entry_key, user_key
    FROM lookups WHERE entry_key IS NOT NULL
    UNION ALL
    SELECT CAST(l.at / 86400 AS INTEGER), e.value ->> 0, e.value ->> 1, l.user_key
    FROM lookups AS l, json_each(l.other_entries) AS e
    WHERE l.other_entries IS NOT NULL;

INSERT INTO daily_outcomes (day, outcome, count)
    SELECT CAST(at / 86400 AS INTEGER), outcome, COUNT(*) FROM lookups GROUP BY 1, 2;

INSERT INTO daily_providers (day, provider, count)
    SELECT CAST(at / 86400 AS INTEGER), provider, COUNT(*) FROM lookups
    WHERE provider IS NOT NULL GROUP BY 1, 2;

INSERT INTO daily_entries (day, provider, entry_key, count)
    SELECT day, provider, entry_key, COUNT(*) FROM shown GROUP BY 1, 2, 3;

INSERT INTO daily_users (day, user_key)
    SELECT DISTINCT CAST(at / 86400 AS INTEGER), user_key FROM lookups WHERE user_key IS NOT NULL;

INSERT INTO daily_entry_users (day, provider, entry_key, user_key)
    SELECT DISTINCT day, provider, entry_key, user_key FROM shown WHERE user_key IS NOT NULL;

INSERT INTO daily_gaps (day, gap, count)
    SELECT day, gap, COUNT(*) FROM (
        SELECT CAST(at / 86400 AS INTEGER) AS day, gap_text(query) AS gap
        FROM lookups WHERE outcome = 'not_found'
    ) WHERE gap != '' GROUP BY 1, 2;

DROP VIEW shown;
