-- PostgreSQL's 0001 (0001_lookups.sql is SQLite's): the same tables, in PostgreSQL's types:
-- 64-bit keys and double precision times (PostgreSQL's REAL holds only 4 bytes).

CREATE TABLE lookups (
    id BIGSERIAL PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    channel TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    user_key BIGINT,
    provider TEXT,
    entry_key TEXT,
    code TEXT,
    outcome TEXT NOT NULL,
    query TEXT NOT NULL,
    took_ms DOUBLE PRECISION NOT NULL,
    entry_count INTEGER NOT NULL,
    other_entries TEXT
);

CREATE TABLE catalog_entries (
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    code TEXT,
    title TEXT NOT NULL,
    PRIMARY KEY (provider, entry_key)
);

CREATE TABLE votes (
    user_key BIGINT NOT NULL,
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    helpful SMALLINT NOT NULL CHECK (helpful IN (0, 1)),
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_key, provider, entry_key)
);
CREATE INDEX votes_updated_at ON votes (updated_at);
