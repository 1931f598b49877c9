-- PostgreSQL's 0002 (see 0002_daily_rollups.sql): the daily totals. No backfill: a PostgreSQL
-- database only ever held lookups written by a version that keeps these totals.

CREATE TABLE daily_outcomes (
    day INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, outcome)
);

CREATE TABLE daily_providers (
    day INTEGER NOT NULL,
    provider TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, provider)
);

CREATE TABLE daily_entries (
    day INTEGER NOT NULL,
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, provider, entry_key)
);

CREATE TABLE daily_users (
    day INTEGER NOT NULL,
    user_key BIGINT NOT NULL,
    PRIMARY KEY (day, user_key)
);

CREATE TABLE daily_entry_users (
    day INTEGER NOT NULL,
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    user_key BIGINT NOT NULL,
    PRIMARY KEY (day, provider, entry_key, user_key)
);

CREATE TABLE daily_gaps (
    day INTEGER NOT NULL,
    gap TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, gap)
);
