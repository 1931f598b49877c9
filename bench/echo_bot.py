"""The baseline of bench_bot.py: a bare aiogram bot that echoes every text message, configured
as Codebook is (FSM off; HTML and no link previews by default), so that a ratio between the two
measures what Codebook adds and nothing else.

BOT_TOKEN=... TELEGRAM_API_URL=... [UPDATES_AT_ONCE=40] [BENCH_TUNED=bot] python bench/echo_bot.py

Long polling hands it updates as it hands them to Codebook: at most UPDATES_AT_ONCE handled at
once (aiogram's tasks_concurrency_limit; the bench sets it to Codebook's own).
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import SendMessage
from aiogram.types import Message

# BENCH_TUNED=bot: the collector tuned, the requests sent and the answers' replies read as the
# bot does (tune_gc, poll, send): what the same would give any aiogram bot, so that the bot is not
# flattered by it. Read once, here: send runs on every message.
TUNED = os.environ.get("BENCH_TUNED") == "bot"
if TUNED:  # (the plain echo imports nothing of Codebook's)
    from bot.telegram.session import Session, send_unread


async def send(method: SendMessage) -> None:
    """Send an answer made by aiogram's shortcut; tuned, without reading Telegram's copy of it
    (bot/telegram/session.py: send_unread), as the bot sends its answers."""
    if TUNED:
        await send_unread(method)
    else:
        await method


async def echo(message: Message) -> None:
    """Send the text back."""
    await send(message.answer(message.text or ""))


def create_dispatcher(handler: Callable[..., Awaitable[None]] = echo) -> Dispatcher:
    """A dispatcher with the echo handler only (or ``handler``), the FSM off as in Codebook."""
    router = Router(name=__name__)
    router.message.register(handler)  # no filter: aiogram would run a magic F in a thread
    dp = Dispatcher(disable_fsm=True)
    dp.include_router(router)
    return dp


def tune_gc() -> None:
    """Tuned, the collector as the bot tunes it (bot/cli/run.py, bot/telegram/app.py)."""
    if TUNED:
        from bot.cli.run import FIRST_GENERATION

        gc.set_threshold(FIRST_GENERATION, *gc.get_threshold()[1:])
        gc.collect()
        gc.freeze()


async def poll(dp: Dispatcher) -> None:
    """Long poll TELEGRAM_API_URL with ``dp``, the Bot configured as the bot's (HTML, no link
    previews), at most UPDATES_AT_ONCE updates at once; tuned, over the bot's session (its
    requests as JSON: bot/telegram/session.py), else aiogram's."""
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    session = Session(api=api) if TUNED else AiohttpSession(api=api)
    bot = Bot(
        os.environ["BOT_TOKEN"],
        session=session,
        default=DefaultBotProperties(
            parse_mode=ParseMode.HTML,
            link_preview_is_disabled=True,
            allow_sending_without_reply=True,  # as the bot's (private answers: no reply)
        ),
    )
    limit = os.environ.get("UPDATES_AT_ONCE")
    await dp.start_polling(
        bot, handle_signals=True, tasks_concurrency_limit=int(limit) if limit else None
    )


async def main() -> None:
    tune_gc()
    await poll(create_dispatcher())


if __name__ == "__main__":
    asyncio.run(main())
