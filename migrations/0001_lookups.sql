-- Every lookup as it happened, the catalog entries the answers showed, and the votes on answers.
-- Telegram ids are never stored: user_key is a keyed hash, a 64-bit integer
-- (bot/analytics/privacy.py).
-- The runner wraps this file and the schema_migrations row recording it in one transaction.

CREATE TABLE lookups (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,                -- UTC epoch seconds
    channel TEXT NOT NULL,           -- private | group | inline | button | deep_link | command
    chat_type TEXT NOT NULL,         -- private | group | supergroup | channel | sender | unknown
    user_key INTEGER,                -- NULL when Telegram named no sender
    provider TEXT,                   -- named or assumed, else the first entry's; NULL if none
    entry_key TEXT,                  -- the first entry shown when it belongs to that provider
    code TEXT,                       -- that entry's code as the catalog writes it
    outcome TEXT NOT NULL,           -- found | several | not_found | not_an_error
    query TEXT NOT NULL,             -- what was asked, masked, at most 200 characters
    took_ms REAL NOT NULL,
    entry_count INTEGER NOT NULL,    -- entries the answer showed in full
    other_entries TEXT               -- JSON [[provider, entry_key], ...]: the rest of them
);
-- (no index on at: export and pruning scan, and every insert stays cheap)

-- The latest code and title seen for each entry: reports show them, raw rows need not repeat them.
CREATE TABLE catalog_entries (
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    code TEXT,
    title TEXT NOT NULL,
    PRIMARY KEY (provider, entry_key)
) WITHOUT ROWID;

-- One vote per person per entry; a new vote replaces the old one.
CREATE TABLE votes (
    user_key INTEGER NOT NULL,
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    updated_at REAL NOT NULL,
    PRIMARY KEY (user_key, provider, entry_key)
) WITHOUT ROWID;
CREATE INDEX votes_updated_at ON votes (updated_at);
