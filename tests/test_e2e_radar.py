"""End to end: the real bot process with the radar on (a pass every 10 s), polling the fake Bot
API server: a wave of questions becomes an alert in the alert chat, edited as it grows and
muted by an admin's press."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from bot.analytics.rollup import LookupEntry
from bot.analytics.writer import LookupLog
from bot.core.catalog_files import load_catalogs
from tests.support.app import ROOT
from tests.support.fake_telegram import TOKEN, Call, FakeTelegram
from tests.support.history import week_before
from tests.support.processes import start_bot

ALERTS = -100777
ADMIN = 5005


async def test_a_wave_becomes_an_alert_edited_as_it_grows_and_muted(tmp_path: Path) -> None:
    catalog, _ = load_catalogs(ROOT / "catalogs")
    assert catalog is not None
    found = catalog.providers["gosms"].find("1004")
    assert found is not None
    gosms = LookupEntry("gosms", found.key, found.code, found.title.en)
    database = tmp_path / "data" / "bot.sqlite3"
    history = LookupLog(database, secret=b"history-secret-0123456789")
    await history.start()
    for row in week_before(catalog, time.time(), gosms):  # an ordinary week before now
        history.record(row)
    await history.close()

    async with FakeTelegram() as fake:
        with (tmp_path / "bot.log").open("wb") as out:
            process = await start_bot(
                tmp_path, out,
                BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.base_url, DATABASE_PATH=str(database),
                ADMIN_IDS=str(ADMIN), ANALYTICS_SECRET="e2e-secret-0123456789",
                ALERT_CHAT_IDS=str(ALERTS), RADAR_INTERVAL="10s",
            )  # fmt: skip
        try:
            await fake.wait_for("getUpdates", timeout=60)

            async def wave(first: int, people: int) -> None:
                for person in range(first, first + people):
                    since = len(fake.requests)
                    fake.push(fake.message("gosms 1004 не приходят смс", user_id=person))
                    await fake.wait_for("sendMessage", since=since, timeout=20)

            since = len(fake.requests)
            await wave(2001, 8)
            alert = await fake.wait_for(
                "sendMessage", lambda call: call.params["chat_id"] == ALERTS, 40, since=since
            )
            assert alert.params["text"].startswith("🚨 <b>GoSMS 1004</b> — No devices registered")
            assert "8 people in the last 30 min" in alert.params["text"]
            (message,) = fake.sent(ALERTS)

            since = len(fake.requests)
            await wave(3001, 5)

            def grown_to_13(call: Call) -> bool:
                return call.params["chat_id"] == ALERTS and "13 people" in call.params["text"]

            grown = await fake.wait_for("editMessageText", grown_to_13, 40, since=since)
            assert grown.params["message_id"] == message["message_id"]

            mute = next(
                button["callback_data"]
                for row in fake.sent(ALERTS)[0]["reply_markup"]["inline_keyboard"]
                for button in row
                if "callback_data" in button
            )
            since = len(fake.requests)
            fake.push(
                fake.callback(mute, message_id=message["message_id"], chat_id=ALERTS, user_id=ADMIN)
            )
            muted = await fake.wait_for("editMessageText", since=since, timeout=20)
            assert "🔕 Muted until" in muted.params["text"]
            assert len(fake.sent(ALERTS)) == 1  # one alert, edited: never a second message
            assert len([c for c in fake.calls("sendMessage") if c.params["chat_id"] == ALERTS]) == 1
        finally:
            process.send_signal(signal.SIGTERM)
            assert await process.wait() == 0
