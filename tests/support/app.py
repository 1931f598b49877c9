"""The bot wired as in production, its Bot talking to the fake Bot API in process: for handler
tests through ``Dispatcher.feed_update`` (the ``app`` fixture in conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.types import Update

from bot.analytics.writer import LookupLog
from bot.core.library import Library
from bot.core.render import render
from bot.settings import Settings, load_settings
from bot.store import Store
from bot.telegram.app import create_dispatcher
from bot.telegram.shared import Shared
from tests.support import ROOT
from tests.support.fake_session import bot_for
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.shipped import shipped_resolver

ADMIN = 7001
GROUP = -100500
USERNAME = "codebook_bot"  # the bot's name in the handler tests' texts ("@codebook_bot 1004")

Request = TypeVar("Request", bound=TelegramMethod[Any])


@dataclass
class App:
    """A dispatcher wired as in production, its bot on ``fake``, which also builds updates."""

    bot: Bot
    fake: FakeTelegram
    dp: Dispatcher
    lookups: LookupLog
    library: Library

    async def feed(self, update: dict[str, Any]) -> list[TelegramMethod[Any]]:
        """Feed one update; the requests it caused (getMe aside), as the bot made them."""
        before = len(self.fake.requests)
        await self.dp.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )
        return [call.request for call in self.fake.requests[before:] if call.method != "getMe"]

    def sent(self, kind: type[Request]) -> list[Request]:
        """The bot's requests of one kind so far, in order."""
        return self.fake.requests_of(kind)

    def uploaded(self, request: TelegramMethod[Any], field: str = "document") -> bytes:
        """The file ``request`` uploaded, as the fake received it (a file on disk, such as
        /export's, is gone once sent)."""
        (call,) = [call for call in self.fake.requests if call.request is request]
        return bytes(call.params[field]["content"])

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


def still(*_: object) -> float:
    """A clock that stands still, for flood control's budgets: a burst is a burst however slow
    the machine, and nothing refills while a test runs (at the default 20 a minute, one refills
    every 3 s; inline queries every second)."""
    return 1000.0


@asynccontextmanager
async def running_app(
    tmp_path: Path,
    shared: Shared | None = None,
    store: Store | None = None,
    fake: FakeTelegram | None = None,
    clock: Callable[[], float] | None = None,
    **settings: Any,
) -> AsyncIterator[App]:
    """The app over a copy of the catalogs (a test may change them) and a fresh database (or
    ``store``); ``shared``: a Redis connection, as a replica has; ``fake``: the Bot API another
    app (a replica) talks to already; ``clock``: flood control's (``still``: stopped)."""
    catalogs = tmp_path / "catalogs"
    shutil.copytree(ROOT / "catalogs", catalogs)
    wired = settings_for(tmp_path, catalogs_dir=catalogs, **settings)
    library = Library(wired.catalogs_dir, wired.team_notes, resolver=shipped_resolver())
    lookups = LookupLog(store or wired.database_path, secret=b"k" * 32)
    fake = fake or FakeTelegram(username=USERNAME)
    dp = create_dispatcher(library, lookups, wired, shared, **({"clock": clock} if clock else {}))
    await lookups.start()
    try:
        yield App(bot_for(fake, wired), fake, dp, lookups, library)
    finally:
        await lookups.close()


def buttons(request: SendMessage | EditMessageText) -> list[tuple[str, str | None, str | None]]:
    markup = request.reply_markup
    assert markup is not None
    return [(b.text, b.callback_data, b.url) for row in markup.inline_keyboard for b in row]
