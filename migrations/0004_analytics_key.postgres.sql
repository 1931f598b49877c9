-- Replicas must pseudonymise a person alike: without ANALYTICS_SECRET, the key they share is
-- kept here, made by the first replica to start. (A dump of this database then holds it too:
-- ANALYTICS_SECRET keeps the two apart.)

CREATE TABLE analytics_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key BYTEA NOT NULL,
    made_at DOUBLE PRECISION NOT NULL
);
