"""What every update gets and leaves, whatever handles it: a log line and the metrics with its
outcome, a count a stop waits for, and (with a webhook) one handling however often it comes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import get_type_hints

import pytest
from aiogram.exceptions import TelegramServerError
from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.analytics.reading import Reports
from bot.telegram.handlers import Handled
from bot.telegram.middlewares import InFlight
from tests.support.app import App, running_app


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[App]:
    """The app with METRICS_PORT set (its server is not started here): metrics are counted
    only where /metrics is served."""
    async with running_app(tmp_path, metrics_port=9464) as app:
        yield app


def updates_counted(app: App) -> dict[tuple[str, str], float]:
    """``codebook_updates_total`` by (kind, outcome), as /metrics shows it."""
    registry = app.dp["services"].metrics.registry
    return {
        (sample.labels["kind"], sample.labels["outcome"]): sample.value
        for metric in registry.collect()
        if metric.name == "codebook_updates"
        for sample in metric.samples
        if sample.name == "codebook_updates_total"
    }


def update_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.updates"]


async def test_each_update_is_logged_and_counted_with_what_its_handler_returned(
    served: App, caplog: pytest.LogCaptureFixture
) -> None:
    app = served
    with caplog.at_level(logging.INFO, logger="bot.updates"):
        await app.feed(app.fake.message("gosms 1004"))
        await app.feed(app.fake.message("/help"))
        await app.feed(app.fake.message("lunch at noon?", chat_type="group"))
    assert updates_counted(app) == {
        ("message", "found"): 1.0,
        ("message", "help"): 1.0,
        ("message", "ignored"): 1.0,  # chatter in a group: no handler takes it
    }
    lines = update_lines(caplog)
    assert len(lines) == 3
    assert lines[0].startswith("update ") and " message in private: found (" in lines[0]
    assert " message in group: ignored (" in lines[2]


async def test_an_update_whose_handler_fails_is_counted_as_an_error(
    served: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = served

    def explode(text: str) -> None:
        raise RuntimeError("catalog on fire")

    monkeypatch.setattr(app.library.resolver, "answer", explode)
    (apology,) = await app.feed(app.fake.message("gosms 1004"))
    assert apology.text == "Something went wrong. Please try again."
    assert updates_counted(app) == {("message", "error"): 1.0}


async def test_a_webhook_update_delivered_twice_is_answered_once_and_counted_as_a_duplicate(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    webhook = {"webhook_url": "https://bot.example/hook", "webhook_secret": "s" * 16}
    async with running_app(tmp_path, **webhook) as app:
        update = app.fake.message("gosms 1004")
        with caplog.at_level(logging.INFO, logger="bot.updates"):
            (answer,) = await app.feed(update)
            assert await app.feed(update) == []
        assert answer.text.startswith("<b>GoSMS")
        assert updates_counted(app) == {("message", "found"): 1.0, ("message", "duplicate"): 1.0}
        duplicate = f"update {update['update_id']} message in private: duplicate ("
        assert update_lines(caplog)[1].startswith(duplicate)
        assert (await Reports(app.lookups).report(days=1, top=1)).total == 1


async def test_an_update_in_hand_is_counted_until_it_is_answered(app: App) -> None:
    in_flight: InFlight = app.dp["services"].in_flight
    release = app.fake.hold("sendMessage")  # Telegram slow to take the answer
    assert in_flight.in_hand == 0
    update = Update.model_validate(app.fake.message("gosms 1004"), context={"bot": app.bot})
    feeding = asyncio.create_task(app.dp.feed_update(app.bot, update))
    await app.fake.wait_for("sendMessage")  # the answer is with Telegram, not yet taken
    assert in_flight.in_hand == 1  # what a stop waits for
    release.set()
    await feeding
    assert in_flight.in_hand == 0
    assert await in_flight.wait_idle()  # at once: nothing is in hand


def test_every_handler_returns_an_outcome_of_the_fixed_set(app: App) -> None:
    # The outcome becomes a metric label: a handler typed to return anything else could make
    # up a series per update.
    for router in app.dp.sub_routers:
        for kind, observer in router.observers.items():
            for handler in observer.handlers:
                returns = get_type_hints(handler.callback)["return"]
                wanted = type(None) if kind == "error" else Handled
                assert returns == wanted, f"{router.name}: {handler.callback.__name__}"


async def test_a_stop_cuts_off_what_outlasts_its_grace_and_confirms_what_came_before(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """Past the stop's grace the updates still in hand are cut off: one warning, no traceback,
    no apology through a session about to close. In long polling, one a getUpdates has
    confirmed already is Telegram's no more: its lookup is kept, and the warning names it (its
    answer may never have reached its person); one not yet confirmed (its batch waiting its
    turn) Telegram hands out again, and it is counted then. The stop confirms only the updates
    before the first cut off."""
    import bot.telegram.app as wiring

    caplog.set_level(logging.INFO)
    in_flight = app.dp["services"].in_flight
    in_flight.grace = 0.05  # STOP_GRACE
    app.bot.session.middleware(in_flight.polled)  # as on_startup does in long polling
    answered = app.fake.message("gosms 1004", user_id=1)
    await app.feed(answered)
    release = app.fake.hold("sendMessage")
    delivered, waiting = (
        Update.model_validate(app.fake.message("gosms 1005", user_id=n), context={"bot": app.bot})
        for n in (2, 3)
    )
    feeding = [asyncio.create_task(app.dp.feed_update(app.bot, u)) for u in (delivered, waiting)]
    await app.fake.wait_for("sendMessage", lambda call: call.params["chat_id"] == 3)
    await app.bot(GetUpdates(offset=delivered.update_id + 1, timeout=0))  # aiogram's next poll
    assert in_flight.in_hand == 2
    await wiring.on_shutdown(app.bot, app.lookups, app.dp["settings"], app.dp["services"])
    assert all(task.cancelled() for task in feeding) and in_flight.in_hand == 0
    confirmed = app.fake.calls("getUpdates")[-1]  # up to the first cut off that comes again
    assert confirmed.params["offset"] == waiting.update_id > answered["update_id"]
    said = caplog.text
    assert "2 update(s) still in hand after 0.05 s, cut off: 1 Telegram hands out again" in said
    assert "1 it counts delivered, their lookups kept" in said
    assert f"answers perhaps never sent (updates {delivered.update_id})" in said
    assert f"update {waiting.update_id} message in private: cut_off" in said
    assert "failed" not in said and "Traceback" not in said and not caplog.records[-1].exc_info
    release.set()
    # The one answered and the one Telegram counts delivered; the other is counted when the
    # next start answers it.
    assert (await Reports(app.lookups).report(days=1, top=1)).total == 2


async def test_a_getupdates_that_failed_confirmed_nothing(app: App) -> None:
    """A getUpdates refused on its way (a proxy's 502) most likely never reached Telegram:
    the updates it would have confirmed still come again if a stop cuts them off."""
    in_flight = app.dp["services"].in_flight
    app.bot.session.middleware(in_flight.polled)
    await app.bot(GetUpdates(offset=101, timeout=0))
    assert not in_flight.comes_again(100) and in_flight.comes_again(101)
    app.fake.fail_next("getUpdates", 502, "Bad Gateway")
    with pytest.raises(TelegramServerError):
        await app.bot(GetUpdates(offset=201, timeout=0))
    assert in_flight.comes_again(101) and in_flight.comes_again(200)


async def test_a_stop_with_nothing_in_hand_confirms_the_last_update_begun(app: App) -> None:
    import bot.telegram.app as wiring

    update = app.fake.message("gosms 1004")
    await app.feed(update)
    await wiring.on_shutdown(app.bot, app.lookups, app.dp["settings"], app.dp["services"])
    (confirmed,) = app.fake.calls("getUpdates")
    assert confirmed.params["offset"] == update["update_id"] + 1


async def test_a_confirmation_telegram_makes_wait_for_holds_up_no_stop(
    app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram answering the stop's confirmation "retry after 120 s": the stop waits no longer
    than CONFIRM_TIMEOUT (a process manager would kill it first), the lookups are written
    before it, and the log says the next start will answer those updates again."""
    import bot.telegram.app as wiring

    monkeypatch.setattr(wiring, "CONFIRM_TIMEOUT", 0.2)  # 5 s in the bot: the clock driven
    await app.feed(app.fake.message("gosms 1004"))
    app.fake.fail_next("getUpdates", 429, retry_after=120)
    caplog.set_level(logging.INFO)
    await wiring.on_shutdown(app.bot, app.lookups, app.dp["settings"], app.dp["services"])
    said = caplog.text
    assert "could not confirm the updates answered before the stop" in said
    assert "no answer in 0.2 s" in said  # the 429's wait, cut short
    assert said.index("lookup log closed") < said.index("could not confirm")
    assert (await Reports(app.lookups).report(days=1, top=1)).total == 1
