"""The transport every bot benchmark uses: the bot's aiohttp session up to the wire.

Each request is serialised exactly as the bot's session sends it (bot/telegram/session.py:
aiogram's ``AiohttpSession``, its requests without a file as JSON; ``build_form_data``, then
the encoded body), for the echo bot as for Codebook, and each reply parsed as aiogram parses
Telegram's (``check_response``: JSON, then pydantic). In between, a server that answers at
once: the event loop turns once, as it would while the bytes travel, and the reply is what
Telegram returns for the method (a sent message with its chat, text and keyboard; ``true`` for
the rest). Everything the bot does with a request and its reply is counted, and one piece of
the server's work with it: the reply is made here, in the bot's thread (its keyboard dumped,
its JSON written), 10 µs for an answer of Codebook's (the 600 first questions of bench_bot's
all-different mix, 2026-12-07), less for the echo's; it weighs on the bot and the replayed
floor alike, against the echo's ratio, never for the bot.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.telegram.session import Session

TOKEN = "123456789:AAFakeTokenForCodebookBenchmarks0000"
ME = {"id": 123456789, "is_bot": True, "first_name": "Codebook", "username": "codebook_bot"}
_SENT = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument"})


class InstantSession(Session):
    """See the module's docstring; ``requests`` counts what was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.sent: list[TelegramMethod[Any]] | None = None  # a list: every request kept in it
        self._ids = itertools.count(1)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        form = self.build_form_data(bot=bot, method=method)
        body = form()  # the encoded request body, as aiohttp would write it to the socket
        assert body.size is None or body.size >= 0
        self.requests += 1
        if self.sent is not None:
            self.sent.append(method)
        await asyncio.sleep(0)
        reply = json.dumps({"ok": True, "result": self._result(method)})
        response = self.check_response(bot=bot, method=method, status_code=200, content=reply)
        return response.result  # type: ignore[return-value]

    def _result(self, method: TelegramMethod[Any]) -> Any:
        name = method.__api_method__
        if name == "getMe":
            return ME
        if name not in _SENT:
            return True
        chat_id = getattr(method, "chat_id", None) or 1
        message: dict[str, Any] = {
            "message_id": getattr(method, "message_id", None) or next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if int(chat_id) > 0 else "supergroup"},
            "from": ME,
            "text": getattr(method, "text", None) or "",
        }
        markup = getattr(method, "reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup.model_dump(exclude_none=True)
        return message


def instant_bot() -> tuple[Bot, InstantSession]:
    """A Bot configured as the bot's own (HTML, no link previews) over the instant transport."""
    session = InstantSession()
    bot = Bot(
        TOKEN,
        session=session,
        default=DefaultBotProperties(
            parse_mode=ParseMode.HTML,
            link_preview_is_disabled=True,
            allow_sending_without_reply=True,  # as the bot's (private answers: no reply)
        ),
    )
    return bot, session
