-- PostgreSQL's 0008 (see 0008_handoff_chat.sql): the support chat a topic is in, and a
-- conversation's last message.

ALTER TABLE conversations ADD COLUMN topic_chat_id BIGINT;
ALTER TABLE conversations ADD COLUMN last_at DOUBLE PRECISION;
ALTER TABLE conversations ADD COLUMN topic_closed INTEGER NOT NULL DEFAULT 0;

UPDATE conversations SET last_at = EXTRACT(EPOCH FROM now())
WHERE last_at IS NULL AND state <> 'closed';
