"""The radar in the bot: a wave in the lookup log becomes an alert in the alert chats, edited as
it grows, muted by an admin's button, closed when it is over; one alert whatever restarts or
processes share the database; /radar; a failing database skips passes and nothing more."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage

from bot.analytics.rollup import LookupEntry
from bot.radar.alerts import message_refs
from bot.telegram.radar import Radar
from tests.support.app import ADMIN, App, buttons, running_app
from tests.support.history import wave, week_before
from tests.support.lookups import remove_database

ALERTS = -100777
INTERVAL = 300.0
NOW = time.time() // INTERVAL * INTERVAL  # a pass on the clock's grid, as the bot runs them


def the_entry(app: App) -> LookupEntry:
    """GoSMS 1004 as the log records it."""
    entry = app.library.resolver.catalog.providers["gosms"].find("1004")
    assert entry is not None
    return LookupEntry("gosms", entry.key, entry.code, entry.title.en)


async def record(app: App, rows: list) -> None:
    for row in rows:
        app.lookups.record(row)
    await app.lookups.flush()


def alerts_sent(app: App) -> list[SendMessage]:
    return [r for r in app.sent(SendMessage) if r.chat_id == ALERTS]


def edits(app: App) -> list[EditMessageText]:
    return [r for r in app.sent(EditMessageText) if r.chat_id == ALERTS]


@pytest.fixture
async def alerting(tmp_path: Path) -> AsyncIterator[App]:
    async with running_app(tmp_path, alert_chat_ids=str(ALERTS)) as app:
        yield app


async def test_a_wave_is_alerted_edited_muted_and_closed(alerting: App) -> None:
    app, radar = alerting, alerting.dp["services"].radar
    gosms = the_entry(app)
    await record(app, week_before(app.library.resolver.catalog, NOW, gosms))
    await record(app, wave(gosms, NOW - 15 * 60, 12, query="GoSMS 1004 again??"))

    assert await radar.tick(app.bot, NOW) == 1
    (alert,) = alerts_sent(app)
    assert alert.text.startswith("🚨 <b>GoSMS 1004</b> — No devices registered")
    assert "12 people in the last 30 min, usually 0." in alert.text
    assert "<code>gosms 1004 again??</code> — 12" in alert.text  # the top phrasing, 12 people
    (answer, _, url), (mute, data, _) = buttons(alert)
    assert answer == "📖 The answer" and url == "https://t.me/codebook_bot?start=r-gosms_1004"
    assert mute == "🔕 Mute 24 h" and data is not None

    # Six more people: the same message shows them.
    await record(app, wave(gosms, NOW + 1, 6, first=600_000))
    await radar.tick(app.bot, NOW + INTERVAL)
    assert len(alerts_sent(app)) == 1
    assert "18 people" in edits(app)[-1].text

    # Someone who is not an admin cannot mute it; an admin can, and the button goes.
    (refused,) = await app.feed(
        app.fake.callback(data, message_id=1, chat_id=ALERTS, user_id=5, message_text=alert.text)
    )
    assert isinstance(refused, AnswerCallbackQuery) and refused.show_alert
    assert refused.text == "Only admins can mute alerts."
    sent = await app.feed(
        app.fake.callback(
            data, message_id=1, chat_id=ALERTS, user_id=ADMIN, first_name="Lead",
            message_text=alert.text,
        )
    )  # fmt: skip
    edit, done = sent
    assert isinstance(edit, EditMessageText) and "🔕 Muted until" in edit.text
    assert "(Lead)" in edit.text and [label for label, *_ in buttons(edit)] == ["📖 The answer"]
    assert isinstance(done, AnswerCallbackQuery) and done.text == "Muted for 24 hours."

    # Muted: a growing wave changes nothing for a day.
    before = len(edits(app))
    await record(app, wave(gosms, NOW + 2 * INTERVAL - 200, 5, first=700_000))
    await radar.tick(app.bot, NOW + 2 * INTERVAL)
    assert len(edits(app)) == before and len(alerts_sent(app)) == 1

    # A day later the wave is long over: the alert says so, once.
    later = NOW + 86400 + 2 * INTERVAL
    await radar.tick(app.bot, later)
    await radar.tick(app.bot, later + INTERVAL)
    closed = edits(app)[before:]
    assert len(closed) == 1 and "✅ Back to normal since" in closed[0].text
    assert closed[0].text.startswith("✅ <b>GoSMS 1004</b>")
    assert [label for label, *_ in buttons(closed[0])] == ["📖 The answer"]


async def test_one_alert_whatever_restarts_or_processes_share_the_database(
    alerting: App,
) -> None:
    app, first = alerting, alerting.dp["services"].radar
    gosms = the_entry(app)
    await record(app, week_before(app.library.resolver.catalog, NOW, gosms))
    await record(app, wave(gosms, NOW - 15 * 60, 10))
    second = Radar(app.lookups.store, app.library, app.dp["settings"], holder="another process")

    await first.tick(app.bot, NOW)
    assert await second.tick(app.bot, NOW) == 0  # the first holds the lease
    assert len(alerts_sent(app)) == 1

    # The first stops (a restart, or a replica gone): the other carries the same alert on.
    await first.stop()
    await record(app, wave(gosms, NOW + 1, 4, first=600_000))
    assert await second.tick(app.bot, NOW + INTERVAL) == 1
    assert len(alerts_sent(app)) == 1
    (alert,) = (await app.lookups.store.open_alerts(NOW + INTERVAL)).values()
    assert [(edits(app)[-1].chat_id, edits(app)[-1].message_id)] == message_refs(alert)
    assert "14 people" in edits(app)[-1].text


async def test_one_person_asking_again_and_again_is_no_wave(alerting: App) -> None:
    app, radar = alerting, alerting.dp["services"].radar
    gosms = the_entry(app)
    await record(app, week_before(app.library.resolver.catalog, NOW, gosms))
    await record(app, [replace(row, user_id=42) for row in wave(gosms, NOW - 20 * 60, 40)])
    await radar.tick(app.bot, NOW)
    assert alerts_sent(app) == []


async def test_radar_lists_what_is_above_its_usual_for_admins(alerting: App) -> None:
    app = alerting
    gosms = the_entry(app)
    await record(app, week_before(app.library.resolver.catalog, time.time(), gosms))
    (ordinary,) = await app.feed(app.fake.message("/radar", user_id=ADMIN))
    assert "GoSMS 1004" not in ordinary.text and "🚨" not in ordinary.text  # ordinary chance
    await record(app, wave(gosms, time.time() - 10 * 60, 8))
    (listed,) = await app.feed(app.fake.message("/radar", user_id=ADMIN))
    assert listed.text.startswith("<b>Above the usual now (last 30 min)</b>")
    assert "<b>GoSMS 1004</b> — 8 people in the last 30 min" in listed.text
    assert "🚨 alert" in listed.text
    (refused,) = await app.feed(app.fake.message("/radar", user_id=5))
    assert refused.text == "This command is for admins only."


async def test_radar_says_it_is_off_without_alert_chats(app: App) -> None:
    (reply,) = await app.feed(app.fake.message("/radar", user_id=ADMIN))
    assert reply.text.startswith("Nothing is above its usual right now (last 30 min).")
    assert "The radar is off: set ALERT_CHAT_IDS" in reply.text


async def test_a_failing_database_skips_passes_says_so_once_and_answers_go_on(
    alerting: App, caplog: pytest.LogCaptureFixture
) -> None:
    app, radar = alerting, alerting.dp["services"].radar
    gosms = the_entry(app)
    await record(app, week_before(app.library.resolver.catalog, NOW, gosms))
    await record(app, wave(gosms, NOW - 15 * 60, 12))
    path = app.dp["settings"].database_path
    remove_database(path)
    path.mkdir()  # SQLite cannot open a folder, whoever asks
    with caplog.at_level(logging.WARNING, logger="bot.telegram.radar"):
        assert await radar.tick(app.bot, NOW) == 0
        assert await radar.tick(app.bot, NOW + INTERVAL) == 0
    said = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.radar"]
    assert len(said) == 1 and "passes skipped while the database fails" in said[0]
    (reply,) = await app.feed(app.fake.message("gosms 1004", user_id=77))
    assert reply.text.startswith("<b>GoSMS · 1004")  # answering never waits for the radar
    path.rmdir()
    await radar.tick(app.bot, NOW + 2 * INTERVAL)
    assert "the database answers again" in caplog.text
