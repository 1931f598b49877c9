-- Handoff, issue 18: a topic belongs to the support chat it was made in (SUPPORT_CHAT_ID may
-- change: the team moves to another supergroup), whether staff closed it in Telegram rather than
-- with /close, and a conversation's last message either way
-- (a conversation idle for SUPPORT_IDLE_DAYS is closed). Rows from before keep a NULL chat
-- until the bot first runs with handoff on, which takes their topics to be in the support chat
-- set then (adopt_topics); their last message is taken to be now, so an upgrade closes none of
-- them as idle.

ALTER TABLE conversations ADD COLUMN topic_chat_id INTEGER;  -- the chat topic_id is in
ALTER TABLE conversations ADD COLUMN last_at REAL;           -- the last message relayed
ALTER TABLE conversations ADD COLUMN topic_closed INTEGER NOT NULL DEFAULT 0;  -- by staff, in
                                   -- Telegram (not /close): the person's next message reopens it

UPDATE conversations SET last_at = CAST(strftime('%s', 'now') AS REAL)
WHERE last_at IS NULL AND state <> 'closed';
