-- The store's SQL, one statement per "-- name:" (loaded by bot/store/queries.py).
-- Tables are created by migrations/*.sql; days are UTC day numbers (days since 1970-01-01).

-- Migrations --------------------------------------------------------------------------------

-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at REAL NOT NULL
)

-- name: has_schema_migrations
SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'

-- name: table_names
-- (doctor: a database with no migration recorded may be another program's)
SELECT name FROM sqlite_master WHERE type = 'table'

-- name: schema_version
SELECT COALESCE(MAX(version), 0) FROM schema_migrations

-- name: applied_versions
SELECT version FROM schema_migrations

-- name: record_migration
INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)

-- Writer: one transaction per batch ----------------------------------------------------------

-- name: insert_lookup
INSERT INTO lookups (at, channel, chat_type, user_key, provider, entry_key, code, outcome, query,
                     took_ms, entry_count, other_entries)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: upsert_catalog_entry
INSERT INTO catalog_entries (provider, entry_key, code, title) VALUES (?, ?, ?, ?)
ON CONFLICT (provider, entry_key) DO UPDATE SET code = excluded.code, title = excluded.title
WHERE code IS NOT excluded.code OR title IS NOT excluded.title

-- name: add_outcomes
INSERT INTO daily_outcomes (day, outcome, count) VALUES (?, ?, ?)
ON CONFLICT (day, outcome) DO UPDATE SET count = count + excluded.count

-- name: add_providers
INSERT INTO daily_providers (day, provider, count) VALUES (?, ?, ?)
ON CONFLICT (day, provider) DO UPDATE SET count = count + excluded.count

-- name: add_entries
INSERT INTO daily_entries (day, provider, entry_key, count) VALUES (?, ?, ?, ?)
ON CONFLICT (day, provider, entry_key) DO UPDATE SET count = count + excluded.count

-- name: add_users
INSERT OR IGNORE INTO daily_users (day, user_key) VALUES (?, ?)

-- name: add_entry_users
INSERT OR IGNORE INTO daily_entry_users (day, provider, entry_key, user_key) VALUES (?, ?, ?, ?)

-- name: add_gaps
INSERT INTO daily_gaps (day, gap, count) VALUES (?, ?, ?)
ON CONFLICT (day, gap) DO UPDATE SET count = count + excluded.count

-- name: upsert_vote
-- The latest vote wins, even if batches were to arrive out of order.
INSERT INTO votes (user_key, provider, entry_key, helpful, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (user_key, provider, entry_key) DO UPDATE
SET helpful = excluded.helpful, updated_at = excluded.updated_at
WHERE excluded.updated_at >= votes.updated_at

-- Taught phrases -----------------------------------------------------------------------------

-- name: teach
INSERT INTO taught (phrase, provider, entry_key, taught_at)
VALUES (:phrase, :provider, :entry, :at)
ON CONFLICT (phrase, provider, entry_key) DO NOTHING

-- name: forget
DELETE FROM taught WHERE phrase = :phrase

-- name: taught
SELECT phrase, provider, entry_key FROM taught ORDER BY taught_at, phrase, provider, entry_key

-- name: taught_version
-- Moved by every change to taught (migration 0006's triggers).
SELECT version FROM taught_version WHERE id = 1

-- Retention: :day is the first day kept, :at its first second -------------------------------

-- name: oldest_day
-- Where the prune starts: the daily totals' first day (their key's first column), where the
-- lookups' MIN(at) read the whole table on PostgreSQL, whose index on the time is a BRIN one.
SELECT MIN(day) FROM daily_outcomes

-- name: prune_lookups
DELETE FROM lookups WHERE at < :at

-- name: prune_votes
DELETE FROM votes WHERE updated_at < :at

-- name: prune_outcomes
DELETE FROM daily_outcomes WHERE day < :day

-- name: prune_providers
DELETE FROM daily_providers WHERE day < :day

-- name: prune_entries
DELETE FROM daily_entries WHERE day < :day

-- name: prune_users
DELETE FROM daily_users WHERE day < :day

-- name: prune_entry_users
DELETE FROM daily_entry_users WHERE day < :day

-- name: prune_gaps
DELETE FROM daily_gaps WHERE day < :day

-- Reports: rollups and votes only, never the lookups table -----------------------------------
-- :first and :last bound the period (days, inclusive); :days is a JSON list of its days;
-- :entries a JSON list of [provider, entry_key].

-- name: outcomes
SELECT outcome, SUM(count) FROM daily_outcomes
WHERE day BETWEEN :first AND :last
GROUP BY outcome

-- name: per_day
SELECT day, SUM(count) FROM daily_outcomes
WHERE day BETWEEN :first AND :last
  AND outcome IN ('found', 'several', 'not_found', 'not_an_error')
GROUP BY day

-- name: per_provider
SELECT provider, SUM(count) AS n FROM daily_providers
WHERE day BETWEEN :first AND :last
GROUP BY provider ORDER BY n DESC, provider

-- name: unique_users
SELECT COUNT(DISTINCT user_key) FROM daily_users WHERE day BETWEEN :first AND :last

-- name: top_entries
SELECT t.provider, t.entry_key, e.code, e.title, t.n
FROM (
    SELECT provider, entry_key, SUM(count) AS n FROM daily_entries
    WHERE day BETWEEN :first AND :last
    GROUP BY provider, entry_key
    ORDER BY n DESC, provider, entry_key
    LIMIT :top
) AS t
LEFT JOIN catalog_entries AS e USING (provider, entry_key)
ORDER BY t.n DESC, t.provider, t.entry_key

-- name: entry_counts
SELECT provider, entry_key, SUM(count) FROM daily_entries
WHERE day IN (SELECT value FROM json_each(:days))
  AND (provider, entry_key) IN (SELECT value ->> 0, value ->> 1 FROM json_each(:entries))
GROUP BY provider, entry_key

-- name: entry_users
-- Day first in the IN lists so the primary key (day, provider, entry_key, user_key) is searched
-- rather than scanned.
SELECT provider, entry_key, COUNT(DISTINCT user_key) FROM daily_entry_users
WHERE day IN (SELECT value FROM json_each(:days))
  AND (provider, entry_key) IN (SELECT value ->> 0, value ->> 1 FROM json_each(:entries))
GROUP BY provider, entry_key

-- name: gaps
SELECT gap, SUM(count) AS n FROM daily_gaps
WHERE day BETWEEN :first AND :last
GROUP BY gap ORDER BY n DESC, gap
LIMIT :top

-- name: feedback
-- What needs work first: the most "not helpful" votes.
SELECT v.provider, v.entry_key, e.code, e.title, SUM(v.helpful) AS yes, SUM(1 - v.helpful) AS no
FROM votes AS v
LEFT JOIN catalog_entries AS e USING (provider, entry_key)
WHERE v.updated_at >= :since AND v.updated_at < :until
GROUP BY v.provider, v.entry_key, e.code, e.title
ORDER BY no DESC, yes DESC, v.provider, v.entry_key
LIMIT :top

-- Export ------------------------------------------------------------------------------------

-- name: export
SELECT at, channel, chat_type, user_key, provider, entry_key, code, outcome, query, took_ms,
       entry_count
FROM lookups
WHERE at >= :since AND at < :until
ORDER BY at, id

-- Radar (bot/radar): windows read by time (the lookups_at index), alerts, leases -------------

-- name: radar_rows
-- Not the lookups made from an alert's own answer button: the team reading an alert is no wave.
SELECT at, user_key, provider, entry_key, outcome FROM lookups
WHERE at > :start AND at <= :end AND channel <> 'alert'

-- name: radar_history
-- The same rows in time order, for a replay: read a batch at a time, added without a sort.
SELECT at, user_key, provider, entry_key, outcome FROM lookups
WHERE at > :start AND at <= :end AND channel <> 'alert'
ORDER BY at

-- name: radar_queries
-- The current window again, with what was asked: the alerts show the top phrasings.
SELECT user_key, provider, entry_key, outcome, query FROM lookups
WHERE at > :start AND at <= :end AND channel <> 'alert'

-- name: radar_open_alerts
SELECT kind, provider, entry_key, since, people, usual, peak, above_at, resolved_at,
       muted_until, messages
FROM radar_alerts
WHERE resolved_at IS NULL OR muted_until > :now

-- name: radar_alerts_since
SELECT kind, provider, entry_key, since, people, usual, peak, above_at, resolved_at,
       muted_until, messages
FROM radar_alerts
WHERE since >= :since AND since < :until AND people > 0
ORDER BY since

-- name: save_alert
INSERT INTO radar_alerts (kind, provider, entry_key, since, people, usual, peak, above_at,
                          resolved_at, muted_until, messages)
VALUES (:kind, :provider, :entry, :since, :people, :usual, :peak, :above_at, :resolved_at,
        :muted_until, :messages)
-- A mute is written by mute_alert alone: a pass that read the alert before an admin muted it
-- (on this replica or another) must not write the old mute back.
ON CONFLICT (kind, provider, entry_key, since) DO UPDATE
SET people = excluded.people, usual = excluded.usual, peak = excluded.peak,
    above_at = excluded.above_at, resolved_at = excluded.resolved_at,
    messages = excluded.messages

-- name: mute_alert
UPDATE radar_alerts SET muted_until = :until
WHERE kind = :kind AND provider = :provider AND entry_key = :entry AND since = :since

-- name: take_lease
-- Taken if free, expired, or already this holder's (then renewed); lease_holder says who has it.
INSERT INTO leases (name, holder, until) VALUES (:name, :holder, :until)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
WHERE leases.until < :now OR leases.holder = excluded.holder

-- name: lease_holder
SELECT holder FROM leases WHERE name = :name

-- name: release_lease
DELETE FROM leases WHERE name = :name AND holder = :holder

-- name: prune_radar_alerts
DELETE FROM radar_alerts WHERE since < :at AND resolved_at IS NOT NULL AND
    (muted_until IS NULL OR muted_until < :at)

-- Handoff (bot/handoff, migrations 0007, 0008): conversations and relayed updates ------------
-- A conversation's columns, in the order of bot.handoff.conversation.Conversation.

-- name: start_conversation
-- Nothing when the person has a live one already (the unique index on user_id): another replica
-- took their other tap.
INSERT INTO conversations (person_key, user_id, state, provider, entry_key, lang, opened_at,
                           retry_at)
VALUES (:person, :user_id, 'waiting', :provider, :entry, :lang, :now, :hold)
ON CONFLICT DO NOTHING
RETURNING id, person_key, user_id, topic_id, state, provider, entry_key, lang, opened_at,
          posted_at, first_reply_at, closed_at, verdict, retry_at, topic_chat_id, last_at,
       topic_closed

-- name: live_conversation
SELECT id, person_key, user_id, topic_id, state, provider, entry_key, lang, opened_at,
       posted_at, first_reply_at, closed_at, verdict, retry_at, topic_chat_id, last_at,
       topic_closed
FROM conversations WHERE user_id = :user_id

-- name: conversation
SELECT id, person_key, user_id, topic_id, state, provider, entry_key, lang, opened_at,
       posted_at, first_reply_at, closed_at, verdict, retry_at, topic_chat_id, last_at,
       topic_closed
FROM conversations WHERE id = :id

-- name: topic_conversation
-- The topic's latest conversation: a person's topics are reopened for their next ones. A topic
-- is in the chat it was made in (NULL: made before 0008, in the support chat set now).
SELECT id, person_key, user_id, topic_id, state, provider, entry_key, lang, opened_at,
       posted_at, first_reply_at, closed_at, verdict, retry_at, topic_chat_id, last_at,
       topic_closed
FROM conversations WHERE topic_id = :topic AND COALESCE(topic_chat_id, :chat) = :chat
ORDER BY id DESC LIMIT 1

-- name: last_topic
SELECT topic_id FROM conversations
WHERE person_key = :person AND topic_id IS NOT NULL AND COALESCE(topic_chat_id, :chat) = :chat
ORDER BY id DESC LIMIT 1

-- name: waiting_conversations
SELECT id, person_key, user_id, topic_id, state, provider, entry_key, lang, opened_at,
       posted_at, first_reply_at, closed_at, verdict, retry_at, topic_chat_id, last_at,
       topic_closed
FROM conversations WHERE state = 'waiting' AND retry_at <= :before
ORDER BY opened_at LIMIT :limit

-- name: claim_retry
-- Whoever moves retry_at from what it read tries now (holding it ahead while it does); the
-- others leave it.
UPDATE conversations SET retry_at = :hold
WHERE id = :id AND state = 'waiting' AND retry_at = :seen

-- name: hold_try
-- A waiting conversation's try holds it this long (its card about to be posted).
UPDATE conversations SET retry_at = :hold WHERE id = :id AND state = 'waiting'

-- name: conversation_topic
-- The topic is made, the card not yet posted: a retry posts it there, not in another topic.
UPDATE conversations SET topic_id = :topic, topic_chat_id = :chat
WHERE id = :id AND state <> 'closed'

-- name: replace_topic
-- A topic found deleted is replaced once: whoever moves the conversation off the topic it found
-- gone (0: it had none in this chat) keeps the topic it made; the others post in that one.
UPDATE conversations SET topic_id = :topic, topic_chat_id = :chat
WHERE id = :id AND state <> 'closed'
  AND COALESCE(CASE WHEN topic_chat_id = :chat OR topic_chat_id IS NULL THEN topic_id END, 0) = :gone

-- name: conversation_posted
UPDATE conversations SET state = 'open', topic_id = :topic, topic_chat_id = :chat,
                         topic_closed = 0, posted_at = COALESCE(posted_at, :now)
WHERE id = :id AND state <> 'closed'

-- name: topic_closed
-- Staff closed the topic in Telegram (not with /close): 1, or 0 once it is reopened.
UPDATE conversations SET topic_closed = :closed WHERE id = :id AND state <> 'closed'

-- name: conversation_kept
UPDATE conversations SET state = 'waiting', retry_at = :retry_at
WHERE id = :id AND state <> 'closed'

-- name: conversation_replied
UPDATE conversations SET first_reply_at = :now WHERE id = :id AND first_reply_at IS NULL

-- name: conversation_active
UPDATE conversations SET last_at = :now WHERE id = :id

-- name: idle_conversations
-- Open, with no message either way since :before (before 0008 kept it: since the card).
SELECT id, person_key, user_id, topic_id, state, provider, entry_key, lang, opened_at,
       posted_at, first_reply_at, closed_at, verdict, retry_at, topic_chat_id, last_at,
       topic_closed
FROM conversations WHERE state = 'open' AND COALESCE(last_at, posted_at, opened_at) < :before
ORDER BY id LIMIT :limit

-- name: close_conversation
UPDATE conversations SET state = 'closed', user_id = NULL, closed_at = :now
WHERE id = :id AND state <> 'closed'

-- name: close_idle_conversation
-- Closed only while still idle: a message relayed since it was found keeps it open.
UPDATE conversations SET state = 'closed', user_id = NULL, closed_at = :now
WHERE id = :id AND state = 'open' AND COALESCE(last_at, posted_at, opened_at) < :before

-- name: adopt_topics
-- Topics from before 0008 kept no chat: they are in the support chat of the first run after it.
UPDATE conversations SET topic_chat_id = :chat
WHERE topic_chat_id IS NULL AND topic_id IS NOT NULL

-- name: conversation_verdict
-- One verdict per conversation: the first press counts.
UPDATE conversations SET verdict = :verdict
WHERE id = :id AND person_key = :person AND state = 'closed' AND verdict IS NULL

-- name: live_counts
SELECT state, COUNT(*) FROM conversations WHERE state <> 'closed' GROUP BY state

-- name: claim_relay
INSERT INTO relayed_updates (update_id, at) VALUES (:update_id, :at) ON CONFLICT DO NOTHING

-- name: release_relay
DELETE FROM relayed_updates WHERE update_id = :update_id

-- name: prune_relayed
DELETE FROM relayed_updates WHERE at < :at

-- name: prune_conversations
-- Live ones stay whatever their age: they hold the id to relay with.
DELETE FROM conversations WHERE closed_at < :at

-- name: recent_lookups
-- The context card's: a person's last lookups (through the index on the time).
SELECT at, query, outcome, provider, entry_key FROM lookups
WHERE at > :since AND at <= :until AND user_key = :person
ORDER BY at DESC LIMIT :limit

-- name: handoff_rows
-- A report's conversations: those asked for in the period.
SELECT provider, entry_key, opened_at, first_reply_at, closed_at, verdict FROM conversations
WHERE opened_at >= :since AND opened_at < :until

-- name: entry_titles
SELECT provider, entry_key, code, title FROM catalog_entries
WHERE (provider, entry_key) IN (SELECT value ->> 0, value ->> 1 FROM json_each(:entries))
