-- PostgreSQL's 0003 (see 0003_taught.sql): the phrases the keepers taught.

CREATE TABLE taught (
    phrase TEXT NOT NULL,
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    taught_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (phrase, provider, entry_key)
);
