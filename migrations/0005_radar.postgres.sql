-- PostgreSQL's 0005 (see 0005_radar.sql): the radar's tables. Lookups are appended in time
-- order, so a BRIN index finds a time range at a fraction of a B-tree's size and insert cost.

CREATE INDEX lookups_at ON lookups USING brin (at);

CREATE TABLE radar_alerts (
    kind TEXT NOT NULL,
    provider TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    since DOUBLE PRECISION NOT NULL,
    people INTEGER NOT NULL,
    usual DOUBLE PRECISION NOT NULL,
    peak INTEGER NOT NULL,
    above_at DOUBLE PRECISION NOT NULL,
    resolved_at DOUBLE PRECISION,
    muted_until DOUBLE PRECISION,
    messages TEXT NOT NULL,
    PRIMARY KEY (kind, provider, entry_key, since)
);
CREATE INDEX radar_alerts_open ON radar_alerts (resolved_at, muted_until);

CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until DOUBLE PRECISION NOT NULL
);
