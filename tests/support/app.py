"""The bot wired as in production around a recording session: for handler tests through
``Dispatcher.feed_update`` (the ``app`` fixture in conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.types import Update

from bot.analytics.writer import LookupLog
from bot.config import Settings, load_settings
from bot.core.library import Library
from bot.core.render import render
from bot.store.sqlite import Store
from bot.telegram.app import create_dispatcher
from bot.telegram.shared import Shared
from tests.support.fake_telegram import FakeTelegram
from tests.support.recording import ME, TOKEN, RecordingSession, recording_bot

ROOT = Path(__file__).resolve().parents[2]
ADMIN = 7001
GROUP = -100500


@dataclass
class App:
    """A dispatcher wired as in production, a recording bot, update builders."""

    bot: Bot
    session: RecordingSession
    dp: Dispatcher
    lookups: LookupLog
    library: Library
    make: FakeTelegram

    async def feed(self, update: dict[str, Any]) -> list[TelegramMethod[Any]]:
        """Feed one update; the requests it caused (getMe aside)."""
        before = len(self.session.requests)
        await self.dp.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )
        return [r for r in self.session.requests[before:] if type(r).__name__ != "GetMe"]

    def answer_text(self, text: str, lang: str = "en") -> list[str]:
        return render(self.library.resolver.answer(text), lang)


def settings_for(tmp_path: Path, **extra: Any) -> Settings:
    values = {
        "bot_token": TOKEN,
        "database_path": tmp_path / "data" / "bot.sqlite3",
        "catalogs_dir": ROOT / "catalogs",
        "admin_ids": str(ADMIN),
        "analytics_secret": "test-secret-0123456789",
    }
    return load_settings(_env_file=None, **{**values, **extra})


@asynccontextmanager
async def running_app(
    tmp_path: Path, shared: Shared | None = None, store: Store | None = None, **settings: Any
) -> AsyncIterator[App]:
    """The app over a copy of the catalogs (a test may change them) and a fresh database (or
    ``store``); ``shared``: a Redis connection, as a replica has."""
    catalogs = tmp_path / "catalogs"
    shutil.copytree(ROOT / "catalogs", catalogs)
    wired = settings_for(tmp_path, catalogs_dir=catalogs, **settings)
    library = Library(wired.catalogs_dir)
    lookups = LookupLog(store or wired.database_path, secret=b"k" * 32)
    bot, session = recording_bot()
    dp = create_dispatcher(library, lookups, wired, shared=shared)
    await lookups.start()
    try:
        yield App(
            bot, session, dp, lookups, library, FakeTelegram(username=ME.username, bot_id=ME.id)
        )
    finally:
        await lookups.close()


def buttons(request: SendMessage | EditMessageText) -> list[tuple[str, str | None, str | None]]:
    markup = request.reply_markup
    assert markup is not None
    return [(b.text, b.callback_data, b.url) for row in markup.inline_keyboard for b in row]
