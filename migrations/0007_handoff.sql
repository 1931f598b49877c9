-- Handoff to the support team (bot/handoff): one row per time a person asked for a person, and
-- the updates already relayed. Messages are relayed, never stored: a conversation keeps ids,
-- the topic, times and the outcome. The person is the lookups' pseudonym (user_key); the raw
-- Telegram id is kept only while the conversation is live (waiting or open), to relay, and set
-- to NULL when it closes.

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    person_key INTEGER,              -- as lookups.user_key; NULL while analytics are off
    user_id INTEGER,                 -- the Telegram id while waiting or open; NULL once closed
    topic_id INTEGER,                -- message_thread_id in SUPPORT_CHAT_ID; NULL until made
    state TEXT NOT NULL,             -- waiting | open | closed
    provider TEXT,                   -- the entry it is about (NULL: nothing was found)
    entry_key TEXT,
    lang TEXT NOT NULL,              -- the person's: ru | en | uk
    opened_at REAL NOT NULL,         -- when the person asked for a person
    posted_at REAL,                  -- when the context card reached the team
    first_reply_at REAL,             -- the team's first message to the person
    closed_at REAL,
    verdict TEXT,                    -- solved | not_solved | NULL (not said)
    retry_at REAL NOT NULL           -- no retry before: an attempt under way holds it ahead
);
-- One live conversation per person: two replicas taking one person's two taps open one.
CREATE UNIQUE INDEX conversations_live ON conversations (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX conversations_topic ON conversations (topic_id);
CREATE INDEX conversations_person ON conversations (person_key);
CREATE INDEX conversations_opened ON conversations (opened_at);
CREATE INDEX conversations_waiting ON conversations (state, retry_at);

-- An update relayed is relayed once, however often it is delivered and to whichever replica.
CREATE TABLE relayed_updates (
    update_id INTEGER PRIMARY KEY,
    at REAL NOT NULL
);
CREATE INDEX relayed_updates_at ON relayed_updates (at);
