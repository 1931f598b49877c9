"""The radar from people's questions to the alert chat: the bot wired as in production answers
a wave of questions (logged by the bot itself), the radar's own loop passes on its grid (its
clock driven by the test, so no pass is waited for), and the alert is sent, edited as the wave
grows and muted by an admin's press, through the fake Bot API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.analytics.rollup import LookupEntry
from bot.telegram.radar import Radar
from tests.support.app import ADMIN, App, running_app
from tests.support.clock import DrivenClock
from tests.support.fake_telegram import Call
from tests.support.history import week_before

ALERTS = -100777


@pytest.fixture
async def alerting(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, alert_chat_ids=str(ALERTS)) as app:
        yield app


async def test_a_wave_becomes_an_alert_edited_as_it_grows_and_muted(alerting: App) -> None:
    app, radar = alerting, alerting.dp["services"].radar
    assert isinstance(radar, Radar)
    found = app.library.resolver.catalog.providers["gosms"].find("1004")
    assert found is not None
    gosms = LookupEntry("gosms", found.key, found.code, found.title.en)
    for row in week_before(app.library.resolver.catalog, time.time(), gosms):  # an ordinary week
        app.lookups.record(row)
    await app.lookups.flush()
    clock = DrivenClock(time.time())
    loop = asyncio.create_task(radar.run(app.bot, clock=clock.time, sleep=clock.sleep))

    async def wave(first: int, people: int) -> None:
        """People ask, the bot answers and logs them, and the radar makes its next pass."""
        for person in range(first, first + people):
            await app.feed(app.fake.message("gosms 1004 не приходят смс", user_id=person))
        await app.lookups.flush()  # the writer's batch, written before the pass reads it
        await clock.asleep()
        clock.advance(clock.slept[-1])
        await clock.asleep()  # the pass is done

    def to_alerts(method: str) -> list[Call]:
        return [c for c in app.fake.calls(method) if c.params["chat_id"] == ALERTS]

    try:
        await wave(2001, 8)
        (alert,) = to_alerts("sendMessage")
        assert alert.params["text"].startswith("🚨 <b>GoSMS 1004</b> — No devices registered")
        assert "8 people in the last 30 min" in alert.params["text"]
        (message,) = app.fake.sent(ALERTS)

        await wave(3001, 5)
        *_, grown = to_alerts("editMessageText")
        assert "13 people" in grown.params["text"]
        assert grown.params["message_id"] == message["message_id"]

        mute = next(
            button["callback_data"]
            for row in app.fake.sent(ALERTS)[0]["reply_markup"]["inline_keyboard"]
            for button in row
            if "callback_data" in button
        )
        press = app.fake.callback(
            mute, message_id=message["message_id"], chat_id=ALERTS, user_id=ADMIN
        )
        await app.feed(press)
        *_, muted = to_alerts("editMessageText")
        assert "🔕 Muted until" in muted.params["text"]
        assert len(app.fake.sent(ALERTS)) == 1  # one alert, edited: never a second message
        assert len(to_alerts("sendMessage")) == 1
        assert not loop.done()  # the loop goes on to its next pass
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
