"""What replicas share through Redis: one flood budget per person whichever replica answers,
one vote per press, each update handled once however often it is delivered; and Redis going
away costs no answer. (That a bot without REDIS_URL never imports the client is in test_e2e.py,
read from the real bot's own -X importtime.)"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage

from bot.analytics.reading import Reports
from bot.telegram import shared as shared_module
from bot.telegram.flood import Verdict
from bot.telegram.monitoring import Health
from bot.telegram.shared import Once, Shared, SharedBudget
from tests.support.app import USERNAME, App, buttons, running_app
from tests.support.fake_telegram import FakeTelegram
from tests.support.services import outage

NOTICE = "Too many messages. Wait a minute and I will answer again."


@pytest.fixture
async def two(redis_url: str) -> AsyncIterator[tuple[Shared, Shared]]:
    """Two replicas' connections to one Redis."""
    first, second = Shared(redis_url), Shared(redis_url)
    yield first, second
    await first.close()
    await second.close()


async def test_one_budget_whichever_replica_takes(two: tuple[Shared, Shared]) -> None:
    # Three a minute: Redis' clock refills one every 20 s, which no burst of six calls outlasts.
    budgets = [SharedBudget(replica, "messages", 3) for replica in two]
    verdicts = [await budgets[i % 2].take(7) for i in range(6)]
    assert verdicts == [Verdict.ANSWER] * 3 + [Verdict.NOTICE] + [Verdict.SILENCE] * 2
    assert await budgets[1].take(8) is Verdict.ANSWER  # someone else's budget is their own
    assert len(budgets[0]) == len(budgets[1]) == 0  # nothing kept in the processes


async def test_a_press_delivered_twice_is_one_vote(two: tuple[Shared, Shared]) -> None:
    first, second = (Once(replica, "vote", hold=60.0) for replica in two)
    assert await first.first(7, "gosms:1004", 1)
    assert not await second.first(7, "gosms:1004", 1)
    assert await second.first(7, "gosms:1004", 0)  # changing one's mind is a new press
    assert await second.first(8, "gosms:1004", 1)  # someone else's press


async def test_an_update_delivered_to_both_replicas_is_answered_once(
    redis_url: str, tmp_path: Path
) -> None:
    webhook = {"webhook_url": "https://bot.example.org/hook", "webhook_secret": "s3cret"}
    async with AsyncExitStack() as stack:
        apps: list[App] = []
        telegram = FakeTelegram(username=USERNAME)  # one Telegram for both
        for name in ("a", "b"):
            redis = Shared(redis_url)
            stack.push_async_callback(redis.close)
            app = running_app(tmp_path / name, shared=redis, fake=telegram, **webhook)
            apps.append(await stack.enter_async_context(app))
        update = apps[0].fake.message("gosms 1004", user_id=3301)
        sent = [
            *await apps[0].feed(update),
            *await apps[1].feed(update),
            *await apps[0].feed(update),
        ]
        assert len([r for r in sent if isinstance(r, SendMessage)]) == 1
        other = apps[0].fake.message("gosms 1004", user_id=3302)  # the next update: answered
        assert len(await apps[1].feed(other)) == 1


async def test_an_update_a_replicas_stop_cuts_off_is_answered_by_another_and_counted_once(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop cuts off an update still in hand after its grace, leaving its webhook request
    unanswered: Telegram sends it again, and the replica that gets it answers it (not "handled
    already") and records its lookup, which the first did not."""
    import bot.telegram.app as wiring

    monkeypatch.setattr(wiring, "STOP_GRACE", 0.05)
    webhook = {"webhook_url": "https://bot.example.org/hook", "webhook_secret": "s3cret"}
    async with AsyncExitStack() as stack:
        apps: list[App] = []
        telegram = FakeTelegram(username=USERNAME)
        for name in ("a", "b"):
            redis = Shared(redis_url)
            stack.push_async_callback(redis.close)
            app = running_app(tmp_path / name, shared=redis, fake=telegram, **webhook)
            apps.append(await stack.enter_async_context(app))
        first, second = apps
        update = first.fake.message("gosms 1004", user_id=3303)
        release = telegram.hold("sendMessage")
        feeding = asyncio.create_task(first.feed(update))
        await telegram.wait_for("sendMessage")
        assert await wiring.finish_in_hand(first.dp["services"].in_flight) == [update["update_id"]]
        assert feeding.cancelled()
        release.set()
        sent = await second.feed(update)  # Telegram's second try, at the other replica
        assert len([r for r in sent if isinstance(r, SendMessage)]) == 1
        totals = [(await Reports(app.lookups).report(days=1, top=1)).total for app in apps]
        assert totals == [0, 1]


async def test_once_forgets_what_it_is_told_to(two: tuple[Shared, Shared]) -> None:
    for shared in (*two, Shared(None)):
        once = Once(shared, "update", hold=600.0)
        assert await once.first(9, 1001)
        await once.forget(9, 1001)
        assert await once.first(9, 1001)
        assert not await once.first(9, 1001)
        await once.forget(9, 1001)


async def test_without_redis_the_process_keeps_its_own() -> None:
    alone = Shared(None)
    once = Once(alone, "vote", hold=60.0)
    assert await once.first(7, "gosms:1004", 1)
    assert not await once.first(7, "gosms:1004", 1)
    bounded = Once(alone, "update", hold=600.0, tracked=100)
    for update in range(1000):
        assert await bounded.first(update)
    assert not await bounded.first(999)  # the latest are remembered...
    assert await bounded.first(0)  # ...the oldest let go: memory stays bounded
    budget = SharedBudget(alone, "messages", 3)
    verdicts = [await budget.take(7) for _ in range(4)]
    assert verdicts == [Verdict.ANSWER] * 3 + [Verdict.NOTICE]


async def test_redis_going_away_costs_no_answer_and_is_said_once(
    redis_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shared_module, "RETRY", 0.0)  # try Redis again on every call
    async with AsyncExitStack() as stack:
        line = await stack.enter_async_context(outage(redis_url))
        shared = Shared(line.url)
        stack.push_async_callback(shared.close)
        # Three a minute: a refill every 20 s, so that however slow the machine, a burst is one.
        app = await stack.enter_async_context(
            running_app(tmp_path, shared=shared, lookups_per_minute=3)
        )
        health = Health(app.library, app.lookups, shared)
        assert (await health.check())[1]["redis"] == "up"

        async def ask(person: int) -> str:
            (reply,) = await app.feed(app.fake.message("gosms 1004", user_id=person))
            assert isinstance(reply, SendMessage)
            return reply.text

        assert (await ask(3101)).startswith("<b>GoSMS")
        await line.cut()
        with caplog.at_level(logging.WARNING, logger="bot.telegram.shared"):
            answers = [await ask(3102) for _ in range(4)]
        assert all(text.startswith("<b>GoSMS") for text in answers[:3])
        assert answers[3] == NOTICE  # the process's own budget holds while Redis is away
        warnings = [r.getMessage() for r in caplog.records]
        assert len(warnings) == 1 and "does not answer" in warnings[0]  # once, not 4 times
        status, body = await health.check()
        assert status == 200 and body["redis"] == "down"  # said, but no reason to go out

        caplog.clear()
        await line.restore()
        with caplog.at_level(logging.WARNING, logger="bot.telegram.shared"):
            assert (await ask(3103)).startswith("<b>GoSMS")
        assert "Redis answers again" in caplog.text
        assert (await health.check())[1]["redis"] == "up"


async def test_two_replicas_answer_one_burst_within_one_budget(
    redis_url: str, tmp_path: Path
) -> None:
    async with AsyncExitStack() as stack:
        apps: list[App] = []
        telegram = FakeTelegram(username=USERNAME)  # one Telegram for both
        for name in ("a", "b"):
            redis = Shared(redis_url)
            stack.push_async_callback(redis.close)
            # Three a minute: a refill every 20 s, so that however slow the machine, a burst is one.
            app = running_app(tmp_path / name, shared=redis, fake=telegram, lookups_per_minute=3)
            apps.append(await stack.enter_async_context(app))
        sent = []
        for i in range(6):  # a load balancer alternating between the replicas
            app = apps[i % 2]
            sent += await app.feed(app.fake.message("gosms 1004", user_id=3201))
        texts = [r.text for r in sent if isinstance(r, SendMessage)]
        assert len(texts) == 4 and texts[-1] == NOTICE
        assert all(text.startswith("<b>GoSMS") for text in texts[:3])

        # A vote pressed once but delivered to both replicas is recorded once.
        app = apps[0]
        (answer,) = await app.feed(app.fake.message("notificore 35", user_id=3202))
        up = buttons(answer)[0][1]

        def rows() -> int:
            return sum(replica.lookups.written + replica.lookups.pending for replica in apps)

        before = rows()
        for replica in apps:
            (ack,) = await replica.feed(
                replica.fake.callback(up, message_id=1, chat_id=3202, user_id=3202)
            )
            assert isinstance(ack, AnswerCallbackQuery) and ack.text  # both thank the person
        assert rows() == before + 1
