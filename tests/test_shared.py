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
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Update
from aiohttp import web

from bot.analytics.reading import Reports
from bot.telegram import shared as shared_module
from bot.telegram.flood import Verdict
from bot.telegram.middlewares import HandledOnce
from bot.telegram.monitoring import Health
from bot.telegram.shared import Mark, Marks, Once, Shared, SharedBudget
from tests.support.app import USERNAME, App, buttons, running_app
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.processes import free_port
from tests.support.services import outage

NOTICE = "Too many messages. Wait a minute and I will answer again."


@pytest.fixture
async def two(redis_url: str) -> AsyncIterator[tuple[Shared, Shared]]:
    """Two replicas' connections to one Redis."""
    first, second = Shared(redis_url), Shared(redis_url)
    yield first, second
    await first.close()
    await second.close()


async def webhook_replicas(stack: AsyncExitStack, redis_url: str, tmp_path: Path) -> list[App]:
    """Two apps in webhook mode, each with its own connection to one Redis, one Telegram."""
    webhook = {"webhook_url": "https://bot.example.org/hook", "webhook_secret": "s3cret"}
    webhook["stop_grace"] = "50ms"  # the tests that stop one cut off what it has in hand
    apps: list[App] = []
    telegram = FakeTelegram(username=USERNAME)
    for name in ("a", "b"):
        redis = Shared(redis_url)
        stack.push_async_callback(redis.close)
        app = running_app(tmp_path / name, shared=redis, fake=telegram, **webhook)
        apps.append(await stack.enter_async_context(app))
    return apps


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
    async with AsyncExitStack() as stack:
        apps = await webhook_replicas(stack, redis_url, tmp_path)
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
    redis_url: str, tmp_path: Path
) -> None:
    """A stop cuts off an update still in hand after its grace, leaving its webhook request
    unanswered: Telegram sends it again, and the replica that gets it answers it (not "handled
    already") and records its lookup, which the first did not."""
    import bot.telegram.app as wiring

    async with AsyncExitStack() as stack:
        apps = await webhook_replicas(stack, redis_url, tmp_path)
        telegram = apps[0].fake  # one Telegram for both
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


async def test_an_update_is_new_then_in_hand_then_done_or_let_go(
    two: tuple[Shared, Shared],
) -> None:
    """Across replicas (Redis) and in one process alike: taken, an update is in hand; handled,
    done; cut off, forgotten (new again); in hand past its lease (its replica died), new."""
    for shared in (*two, Shared(None)):
        marks = Marks(shared, "update", hold=600.0, lease=600.0)
        assert await marks.take(9, 1001) is Mark.NEW
        assert await marks.take(9, 1001) is Mark.IN_HAND
        await marks.done(9, 1001)
        assert await marks.take(9, 1001) is Mark.DONE
        await marks.forget(9, 1001)
        assert await marks.take(9, 1001) is Mark.NEW
        await marks.forget(9, 1001)
        brief = Marks(shared, "update", hold=600.0, lease=0.05)
        assert await brief.take(9, 1002) is Mark.NEW
        await asyncio.sleep(0.1)  # the lease runs out (Redis' clock: nothing to drive)
        assert await brief.take(9, 1002) is Mark.NEW
        await brief.forget(9, 1002)
    first, second = (Marks(replica, "update", hold=600.0, lease=600.0) for replica in two)
    assert await first.take(9, 1003) is Mark.NEW
    assert await second.take(9, 1003) is Mark.IN_HAND  # the other replica sees it in hand
    await first.done(9, 1003)
    assert await second.take(9, 1003) is Mark.DONE
    await first.forget(9, 1003)


async def test_a_second_delivery_waits_for_the_first_and_is_then_a_duplicate_or_handled(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delivery that finds its update in hand at the other replica is not acknowledged at
    once (if the first were then cut off, nothing would send it again): it waits. The first
    done, it is a duplicate; the first cut off, it answers it; the first's replica dead, its
    lease run out, it answers it."""
    import bot.telegram.app as wiring

    monkeypatch.setattr(shared_module, "IN_HAND_POLL", 0.02)
    async with AsyncExitStack() as stack:
        apps = await webhook_replicas(stack, redis_url, tmp_path)
        telegram = apps[0].fake  # one Telegram for both
        first, second = apps

        def answers() -> list[int]:
            return [call.params["chat_id"] for call in telegram.calls("sendMessage")]

        # The first done: the second is a duplicate.
        update = first.fake.message("gosms 1004", user_id=3311)
        release = telegram.hold("sendMessage")
        handling = asyncio.create_task(first.feed(update))
        await telegram.wait_for("sendMessage")
        waiting = asyncio.create_task(second.feed(update))
        await asyncio.sleep(0.1)
        assert not waiting.done()  # not acknowledged while the first has it in hand
        release.set()
        await handling
        assert await waiting == [] and answers() == [3311]
        # The first cut off: the second answers it.
        update = first.fake.message("gosms 1004", user_id=3312)
        release = telegram.hold("sendMessage")
        handling = asyncio.create_task(first.feed(update))
        await telegram.wait_for("sendMessage", lambda call: call.params["chat_id"] == 3312)
        waiting = asyncio.create_task(second.feed(update))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        await wiring.finish_in_hand(first.dp["services"].in_flight)
        assert handling.cancelled()
        release.set()
        await asyncio.wait_for(waiting, 10)  # not the lease's 2 minutes: let go at the cut
        assert answers().count(3312) == 2  # the first, cut off as it was sent; the second's
        # The first's replica dead with it in hand: its lease runs out, the second answers it.
        update = first.fake.message("gosms 1004", user_id=3313)
        dead = Marks(first.dp["services"].shared, "update", hold=600.0, lease=0.3)
        assert await dead.take(first.bot.id, update["update_id"]) is Mark.NEW
        await asyncio.wait_for(second.feed(update), 10)
        assert answers().count(3313) == 1


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


async def test_a_hung_redis_costs_the_updates_in_flight_one_timeout_together(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A Redis that stops answering (not refusing) held the updates in flight one TIMEOUT each,
    one after another, as its pool makes its connections one at a time: 20 at once took 19 s
    (an attack). Now every call is bounded whole: 20 take about one TIMEOUT together. (The
    bound below only decides a failure: one after another would be 20.)"""
    monkeypatch.setattr(shared_module, "TIMEOUT", 0.5)
    async with outage(redis_url) as line:
        shared = Shared(line.url)
        try:
            budget = SharedBudget(shared, "messages", 100)
            assert await budget.take(1) is Verdict.ANSWER  # connected, through Redis
            line.hang()
            loop = asyncio.get_running_loop()
            started = loop.time()
            with caplog.at_level(logging.WARNING, logger="bot.telegram.shared"):
                verdicts = await asyncio.gather(*(budget.take(p) for p in range(2, 22)))
            took = loop.time() - started
            assert verdicts == [Verdict.ANSWER] * 20  # the process's own budget, meanwhile
            assert took < 5 * shared_module.TIMEOUT, took
            assert "no answer within 0.5 s" in caplog.text
            line.flow()
        finally:
            await shared.close()


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


async def test_a_webhook_delivery_of_an_update_in_hand_elsewhere_waits_then_gets_503(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the webhook's own handler: a delivery of an update the other replica has in hand
    waits, and if the other still has it after IN_HAND_WAIT (aiogram answers 200 at 55 s and
    goes on in the background, where a stop would lose it) or at a stop, it is answered 503,
    so that Telegram sends it again; once the other is done, it is a duplicate (200)."""
    import bot.telegram.webhook as webhook_module

    monkeypatch.setattr(webhook_module, "IN_HAND_WAIT", 0.3)
    monkeypatch.setattr(shared_module, "IN_HAND_POLL", 0.02)
    async with AsyncExitStack() as stack:
        apps = await webhook_replicas(stack, redis_url, tmp_path)
        telegram = apps[0].fake  # one Telegram for both
        first, second = apps
        handler = webhook_module.CheckedUpdates(
            dispatcher=second.dp,
            bot=second.bot,
            secret_token="s3cret",
            handle_in_background=False,
            marks=second.dp["services"].update_marks,
        )
        server = web.Application()
        server.router.add_post("/hook", handler.handle)
        runner = web.AppRunner(server)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        http = await stack.enter_async_context(aiohttp.ClientSession())

        async def deliver(update: dict[str, Any]) -> int:
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            url = f"http://127.0.0.1:{port}/hook"
            timeout = aiohttp.ClientTimeout(total=10)  # (a delivery never waits the lease out)
            async with http.post(url, json=update, headers=headers, timeout=timeout) as response:
                return response.status

        update = first.fake.message("gosms 1004", user_id=3321)
        release = telegram.hold("sendMessage")
        handling = asyncio.create_task(first.feed(update))
        await telegram.wait_for("sendMessage")
        assert await deliver(update) == 503  # still in hand after the wait
        monkeypatch.setattr(webhook_module, "IN_HAND_WAIT", 30.0)
        handler.stopping.set()  # a stop: at once, not after the wait
        assert await deliver(update) == 503
        handler.stopping.clear()
        release.set()
        await handling
        assert await deliver(update) == 200  # done: a duplicate
        other = first.fake.message("gosms 1004", user_id=3322)
        assert await deliver(other) == 200
        answered = [call.params["chat_id"] for call in telegram.calls("sendMessage")]
        assert answered == [3321, 3322]


async def test_a_stop_arriving_as_an_update_is_marked_done_still_marks_it_done() -> None:
    """Cut off while its mark is being written done (a Redis round trip): the update was
    handled, so it must not stay in hand, or its resend would wait out the lease and answer
    again."""
    entered, proceed, written = asyncio.Event(), asyncio.Event(), asyncio.Event()

    class SlowMarks(Marks):
        async def done(self, *what: object) -> None:
            entered.set()
            await proceed.wait()
            await super().done(*what)
            written.set()

    marks = SlowMarks(Shared(None), "update", hold=600.0, lease=600.0)
    update = Update.model_validate(FakeTelegram().message("gosms 1004"))

    async def handled(event: object, data: dict[str, Any]) -> str:
        return "found"

    task = asyncio.create_task(HandledOnce(marks)(handled, update, {"bot": Bot(TOKEN)}))
    await entered.wait()
    task.cancel()
    proceed.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(written.wait(), 5)  # (not written: the mark stays in hand)
    assert await marks.take(Bot(TOKEN).id, update.update_id) is Mark.DONE


async def test_redis_going_away_while_a_delivery_waits_does_not_answer_it_twice(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delivery waiting for an update the other replica has in hand, when Redis goes away:
    its own marks know nothing of the other's, so it must not take the update from them (both
    would answer it): 503, for Telegram to send it again."""
    import bot.telegram.webhook as webhook_module

    monkeypatch.setattr(webhook_module, "IN_HAND_WAIT", 30.0)
    monkeypatch.setattr(shared_module, "IN_HAND_POLL", 0.02)
    monkeypatch.setattr(shared_module, "RETRY", 0.0)  # Redis tried again at each call
    async with AsyncExitStack() as stack:
        line = await stack.enter_async_context(outage(redis_url))
        other, here = Shared(redis_url), Shared(line.url)
        stack.push_async_callback(other.close)
        stack.push_async_callback(here.close)
        update = Update.model_validate(FakeTelegram().message("gosms 1004"))
        bot = Bot(TOKEN)
        owner = Marks(other, "update", hold=600.0, lease=600.0)
        assert await owner.take(bot.id, update.update_id) is Mark.NEW  # the other's, in hand
        here_marks = Marks(here, "update", 600.0, 600.0)
        handler = webhook_module.CheckedUpdates(dispatcher=Dispatcher(), bot=bot, marks=here_marks)
        waiting = asyncio.create_task(handler._taken(bot, update))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        await line.cut()
        assert await asyncio.wait_for(waiting, 10) is Mark.IN_HAND  # 503, not taken
        await line.restore()
        await here_marks.take(bot.id, update.update_id + 1)  # a call that reaches Redis
        assert await owner.take(bot.id, update.update_id) is Mark.IN_HAND  # still the other's
        await owner.forget(bot.id, update.update_id)
        await owner.forget(bot.id, update.update_id + 1)


async def test_a_done_redis_missed_is_told_once_it_is_back(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handled while Redis was away: the other replicas would see the update in hand until its
    lease ran out, then answer it again. Redis is told it is done with the next call that
    reaches it (and an update forgotten meanwhile, forgotten)."""
    monkeypatch.setattr(shared_module, "RETRY", 0.0)  # Redis tried again at the next call
    async with AsyncExitStack() as stack:
        line = await stack.enter_async_context(outage(redis_url))
        other, here = Shared(redis_url), Shared(line.url)
        stack.push_async_callback(other.close)
        stack.push_async_callback(here.close)
        theirs, ours = (Marks(s, "update", hold=600.0, lease=600.0) for s in (other, here))
        assert await ours.take(9, 2001) is Mark.NEW
        assert await ours.take(9, 2002) is Mark.NEW
        await line.cut()
        await ours.done(9, 2001)  # Redis away: kept here, and owed
        await ours.forget(9, 2002)
        assert await theirs.take(9, 2001) is Mark.IN_HAND
        await line.restore()
        assert await ours.take(9, 2003) is Mark.NEW  # reaches Redis: what was owed, told
        assert await theirs.take(9, 2001) is Mark.DONE
        assert await theirs.take(9, 2002) is Mark.NEW
        for update in (2001, 2002, 2003):
            await theirs.forget(9, update)
