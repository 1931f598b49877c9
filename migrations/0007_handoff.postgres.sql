-- PostgreSQL's 0007 (see 0007_handoff.sql): conversations with the support team, and the
-- updates already relayed.

CREATE TABLE conversations (
    id BIGSERIAL PRIMARY KEY,
    person_key BIGINT,
    user_id BIGINT,
    topic_id BIGINT,
    state TEXT NOT NULL,
    provider TEXT,
    entry_key TEXT,
    lang TEXT NOT NULL,
    opened_at DOUBLE PRECISION NOT NULL,
    posted_at DOUBLE PRECISION,
    first_reply_at DOUBLE PRECISION,
    closed_at DOUBLE PRECISION,
    verdict TEXT,
    retry_at DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX conversations_live ON conversations (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX conversations_topic ON conversations (topic_id);
CREATE INDEX conversations_person ON conversations (person_key);
CREATE INDEX conversations_opened ON conversations (opened_at);
CREATE INDEX conversations_waiting ON conversations (state, retry_at);

CREATE TABLE relayed_updates (
    update_id BIGINT PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX relayed_updates_at ON relayed_updates (at);
