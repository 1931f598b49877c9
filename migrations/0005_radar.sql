-- The incident radar (bot/radar): lookups read by time, the alerts it sent, and the leases
-- that let one process of several send what only one should.

-- A radar pass reads a few hours of each of the last days; without this it reads the year.
CREATE INDEX lookups_at ON lookups (at);

-- One row per alert: its key (kind, provider, entry), its figures, and the messages sent, so a
-- restart edits them instead of sending the alert again. A mute with no alert is a row with
-- people 0, resolved at once.
CREATE TABLE radar_alerts (
    kind TEXT NOT NULL,              -- entry | provider | unanswered
    provider TEXT NOT NULL,          -- '' for unanswered
    entry_key TEXT NOT NULL,         -- '' unless kind is entry
    since REAL NOT NULL,             -- when the key spiked
    people INTEGER NOT NULL,         -- the figure the messages show
    usual REAL NOT NULL,
    peak INTEGER NOT NULL,
    above_at REAL NOT NULL,          -- the last pass that found the key above its usual
    resolved_at REAL,
    muted_until REAL,
    messages TEXT NOT NULL,          -- JSON [[chat id, message id], ...]
    PRIMARY KEY (kind, provider, entry_key, since)
) WITHOUT ROWID;
CREATE INDEX radar_alerts_open ON radar_alerts (resolved_at, muted_until);

-- Who may send now: the radar's lease (held and renewed), a digest's (taken once, kept).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until REAL NOT NULL
) WITHOUT ROWID;
