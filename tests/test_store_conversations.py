"""Conversations with the support team in the store, on SQLite and PostgreSQL alike: one live
conversation per person, a retry taken by one caller, the raw id gone at the close, the verdict
only the person's own, an update relayed once, and pruning with the lookups' retention."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.analytics.privacy import user_key
from bot.analytics.rollup import stored
from bot.handoff.conversation import State, Verdict
from bot.store import Store
from bot.store.reading import deflection
from tests.support.lookups import NOW, SECRET, Backend, entry, lookup

ANNA, BORIS = 1001, 1002
ANNA_KEY, BORIS_KEY = user_key(SECRET, ANNA), user_key(SECRET, BORIS)
HOLD = NOW + 180
SUPPORT, MOVED = -1001555000111, -1001555000222  # the support chat, and where the team moved


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    """The backend's store (SQLite or PostgreSQL), closed after the test."""
    opened = backend.store()
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_person_has_one_live_conversation_however_many_ask_at_once(
    store: Store,
) -> None:
    started = await asyncio.gather(
        *(store.start_conversation(ANNA_KEY, ANNA, "gosms", "1004", "en", NOW, HOLD)
          for _ in range(5))
    )  # fmt: skip
    (first,) = [conversation for conversation in started if conversation is not None]
    assert first.state is State.WAITING and first.retry_at == HOLD
    assert await store.live_conversation(ANNA) == first
    await store.conversation_posted(first.id, SUPPORT, 77, NOW + 1)
    live = await store.live_conversation(ANNA)
    assert live is not None and (live.state, live.topic_id, live.posted_at) == (
        State.OPEN, 77, NOW + 1
    )  # fmt: skip
    assert await store.topic_conversation(SUPPORT, 77) == live
    assert live.topic_chat_id == SUPPORT


async def test_a_topic_belongs_to_its_support_chat_not_to_the_one_set_now(
    store: Store,
) -> None:
    talk = await store.start_conversation(ANNA_KEY, ANNA, "gosms", "1004", "en", NOW, HOLD)
    assert talk is not None
    await store.conversation_topic(talk.id, SUPPORT, 77)  # made, the card not posted yet
    waiting = await store.live_conversation(ANNA)
    assert waiting is not None and waiting.state is State.WAITING
    assert (waiting.topic_chat_id, waiting.topic_id) == (SUPPORT, 77)
    await store.conversation_posted(talk.id, SUPPORT, 77, NOW + 1)
    await store.topic_closed(talk.id, True)  # by staff, in Telegram
    shut = await store.topic_conversation(SUPPORT, 77)
    assert shut is not None and shut.topic_closed
    await store.conversation_posted(talk.id, SUPPORT, 77, NOW + 1.5)  # the card again: open
    again = await store.topic_conversation(SUPPORT, 77)
    assert again is not None and not again.topic_closed and again.posted_at == NOW + 1
    await store.close_conversation(talk.id, NOW + 2)
    # The team moved to another supergroup: thread 77 there is somebody else's topic.
    assert await store.topic_conversation(MOVED, 77) is None
    assert await store.last_topic(ANNA_KEY, MOVED) is None
    assert await store.last_topic(ANNA_KEY, SUPPORT) == 77
    moved = await store.start_conversation(ANNA_KEY, ANNA, None, None, "en", NOW + 3, HOLD)
    assert moved is not None
    await store.conversation_posted(moved.id, MOVED, 12, NOW + 4)
    assert await store.topic_conversation(MOVED, 12) == await store.live_conversation(ANNA)
    assert await store.topic_conversation(SUPPORT, 12) is None


async def test_a_kept_request_is_retried_by_one_caller(store: Store) -> None:
    waiting = await store.start_conversation(None, BORIS, None, None, "ru", NOW, HOLD)
    assert waiting is not None
    assert await store.waiting_conversations(NOW) == []  # its first try is under way
    await store.conversation_kept(waiting.id, NOW + 30)
    assert await store.waiting_conversations(NOW + 29) == []
    (due,) = await store.waiting_conversations(NOW + 30)
    claims = await asyncio.gather(*(store.claim_retry(due, NOW + 210) for _ in range(4)))
    assert sorted(claims) == [False, False, False, True]
    assert await store.waiting_conversations(NOW + 60) == []


async def test_a_lost_topic_is_replaced_once_whoever_tries(store: Store) -> None:
    """Replicas that each find the topic deleted each make one; the first to move the
    conversation off the lost topic keeps its own, the others are told to use it."""
    talk = await store.start_conversation(ANNA_KEY, ANNA, "gosms", "1004", "en", NOW, HOLD)
    assert talk is not None
    await store.conversation_posted(talk.id, SUPPORT, 77, NOW + 1)
    won = await asyncio.gather(
        *(store.replace_topic(talk.id, SUPPORT, 77, topic) for topic in (80, 81, 82))
    )
    assert sorted(won) == [False, False, True]
    live = await store.live_conversation(ANNA)
    assert live is not None and live.state is State.OPEN
    assert live.topic_id == (80, 81, 82)[won.index(True)]
    assert not await store.replace_topic(talk.id, SUPPORT, 77, 90)  # 77 is long replaced
    # Moved to another support chat, the conversation has no topic there (0): replaced once.
    assert await store.replace_topic(talk.id, MOVED, 0, 12)
    assert not await store.replace_topic(talk.id, MOVED, 0, 13)
    moved = await store.live_conversation(ANNA)
    assert moved is not None and (moved.topic_chat_id, moved.topic_id) == (MOVED, 12)


async def test_closing_forgets_the_raw_id_and_the_verdict_is_the_persons_own(
    store: Store,
) -> None:
    conversation = await store.start_conversation(ANNA_KEY, ANNA, "gosms", "1004", "en", NOW, HOLD)
    assert conversation is not None
    await store.conversation_posted(conversation.id, SUPPORT, 77, NOW + 1)
    assert await store.conversation_replied(conversation.id, NOW + 60)
    assert not await store.conversation_replied(conversation.id, NOW + 90)  # the first only
    assert not await store.conversation_verdict(conversation.id, ANNA_KEY, Verdict.SOLVED)
    assert await store.close_conversation(conversation.id, NOW + 120)
    assert not await store.close_conversation(conversation.id, NOW + 121)
    assert await store.live_conversation(ANNA) is None
    assert not await store.conversation_verdict(conversation.id, BORIS_KEY, Verdict.SOLVED)
    assert await store.conversation_verdict(conversation.id, ANNA_KEY, Verdict.SOLVED)
    # One verdict per conversation: a second press (or an old question's) changes nothing.
    assert not await store.conversation_verdict(conversation.id, ANNA_KEY, Verdict.NOT_SOLVED)
    closed = await store.conversation(conversation.id)
    assert closed is not None
    assert (closed.user_id, closed.person_key, closed.topic_id, closed.verdict) == (
        None, ANNA_KEY, 77, Verdict.SOLVED
    )  # fmt: skip
    assert (closed.first_reply_at, closed.closed_at) == (NOW + 60, NOW + 120)
    assert await store.last_topic(ANNA_KEY, SUPPORT) == 77
    again = await store.start_conversation(ANNA_KEY, ANNA, None, None, "en", NOW + 200, HOLD)
    assert again is not None and again.id != conversation.id


async def test_an_update_is_relayed_once_until_released(store: Store) -> None:
    claims = await asyncio.gather(*(store.claim_relay(700001, NOW) for _ in range(3)))
    assert sorted(claims) == [False, False, True]
    await store.release_relay(700001)  # the copy failed: a delivery again may try again
    assert await store.claim_relay(700001, NOW)
    assert await store.prune_relayed(NOW + 1) == 1
    assert await store.claim_relay(700001, NOW + 2)


async def test_a_report_counts_handoffs_replies_verdicts_and_deflection(store: Store) -> None:
    no_devices = entry("gosms", "1004", "No devices registered")
    await store.write([stored(lookup(NOW - 3600 * n, n, no_devices), SECRET) for n in range(4)])
    for person, replied in ((ANNA, 60.0), (BORIS, 600.0)):
        key = user_key(SECRET, person)
        talk = await store.start_conversation(key, person, "gosms", "1004", "en", NOW - 900, HOLD)
        assert talk is not None
        await store.conversation_posted(talk.id, SUPPORT, person, NOW - 899)
        await store.conversation_replied(talk.id, NOW - 900 + replied)
    await store.close_conversation(1, NOW - 100)
    await store.conversation_verdict(1, ANNA_KEY, Verdict.SOLVED)
    report = await store.report(days=7, top=10, now=NOW)
    assert (report.handoffs, report.conversations_open) == (2, 1)
    assert (report.first_reply_median, report.first_reply_p90) == (330.0, 600.0)
    assert (report.closed_solved, report.closed_not_solved, report.closed_no_verdict) == (1, 0, 0)
    (row,) = report.handoff_entries
    assert (row.provider, row.code, row.title, row.handoffs, row.lookups) == (
        "gosms", "1004", "No devices registered", 2, 4
    )  # fmt: skip
    assert row.deflection == 0.5 == deflection(2, 4)


def test_deflection_is_the_share_of_lookups_no_handoff_followed() -> None:
    assert deflection(0, 10) == 1.0
    assert deflection(3, 10) == 0.7
    assert deflection(5, 3) == 0.0  # asked for a person about lookups from before the period
    assert deflection(1, 0) is None


async def test_closed_conversations_are_pruned_with_the_lookups_live_ones_stay(
    store: Store,
) -> None:
    old = await store.start_conversation(ANNA_KEY, ANNA, None, None, "en", NOW - 90000, HOLD)
    live = await store.start_conversation(BORIS_KEY, BORIS, None, None, "en", NOW - 90000, HOLD)
    assert old is not None and live is not None
    await store.close_conversation(old.id, NOW - 86000)
    await store.prune(int(NOW // 86400), NOW - 3600)
    assert await store.conversation(old.id) is None
    assert await store.conversation(live.id) is not None


async def test_open_conversations_without_a_message_for_long_are_found_idle(
    store: Store,
) -> None:
    quiet = await store.start_conversation(ANNA_KEY, ANNA, None, None, "en", NOW - 900, HOLD)
    busy = await store.start_conversation(BORIS_KEY, BORIS, None, None, "en", NOW - 900, HOLD)
    assert quiet is not None and busy is not None
    await store.conversation_posted(quiet.id, SUPPORT, 77, NOW - 800)
    await store.conversation_posted(busy.id, SUPPORT, 78, NOW - 800)
    await store.conversation_active(busy.id, NOW - 10)
    (idle,) = await store.idle_conversations(NOW - 60)
    assert idle.id == quiet.id and idle.last_at is None
    assert await store.idle_conversations(NOW - 900) == []
    # Found idle, then a message came before the close: it stays open.
    await store.conversation_active(quiet.id, NOW - 5)
    assert not await store.close_idle_conversation(quiet.id, NOW - 60, NOW)
    assert not await store.close_idle_conversation(busy.id, NOW - 60, NOW)
    assert await store.close_idle_conversation(busy.id, NOW - 1, NOW)
    await store.close_conversation(quiet.id, NOW)
    assert await store.idle_conversations(NOW - 60) == []  # a closed one is not
    assert not await store.close_idle_conversation(quiet.id, NOW + 60, NOW)


async def test_topics_from_before_their_chat_was_kept_are_adopted_by_the_support_chat(
    store: Store,
    backend: Backend,
) -> None:
    talk = await store.start_conversation(ANNA_KEY, ANNA, None, None, "en", NOW, HOLD)
    waiting = await store.start_conversation(BORIS_KEY, BORIS, None, None, "en", NOW, HOLD)
    assert talk is not None and waiting is not None
    await store.conversation_posted(talk.id, SUPPORT, 77, NOW + 1)
    await backend.query("UPDATE conversations SET topic_chat_id = NULL")  # as 0008 left it
    assert await store.adopt_topics(SUPPORT) == 1  # the one with a topic; not the waiting
    adopted = await store.topic_conversation(SUPPORT, 77)
    assert adopted is not None and adopted.topic_chat_id == SUPPORT
    assert await store.adopt_topics(MOVED) == 0  # once adopted, a move does not take it
