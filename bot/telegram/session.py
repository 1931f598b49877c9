"""The Bot API session: aiogram's, its requests sent as JSON where they carry no file, and closed
without its TLS pause where nothing was TLS; and answers sent without reading Telegram's copy."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError, TelegramNetworkError
from aiogram.methods import SendMessage
from aiohttp import FormData, JsonPayload
from aiohttp.payload import Payload
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.core.markup import one_line

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import TelegramMethod
    from aiogram.methods.base import TelegramType

_dumps = partial(json.dumps, ensure_ascii=False)  # UTF-8, not \u escapes: see JsonFields


class JsonFields(FormData):
    """A request's fields sent as one JSON object (``application/json``, which the Bot API
    takes for any request without a file) instead of aiogram's form: aiohttp percent-encodes a
    form in Python, byte by byte, and an answer is 500-900 characters of Cyrillic HTML, most of
    them two bytes (README: Benchmarks). The fields are the strings aiogram would have put in
    the form (nested objects as JSON text, as the Bot API reads either way), written as UTF-8
    as the form's are: a text no UTF-8 can carry (a lone surrogate) fails here, as it did in
    the form, rather than reach Telegram escaped."""

    def __init__(self, fields: dict[str, str]) -> None:
        # FormData's own __init__ is not called: it makes a multipart writer (5 µs a request)
        # that nothing reads here. aiohttp takes a FormData for its call alone (below).
        self._json = fields

    def __call__(self) -> Payload:
        return JsonPayload(self._json, dumps=_dumps)


class Session(AiohttpSession):
    """aiogram's aiohttp session, with two changes.

    - A request without a file is sent as JSON (``JsonFields``); one with a file (the /stats
      chart, /export's CSV) as aiogram's multipart form.
    - Closing it, aiogram waits 250 ms for TLS connections to shut down (aiohttp's graceful
      shutdown); a server reached over plain http (a local Bot API server, the tests' fake) has
      none, and a stop or `doctor` need not wait for them: doctor took 0.25 s longer than its
      checks, and each stop of a bot as much."""

    def build_form_data(self, bot: Bot, method: TelegramMethod[TelegramType]) -> FormData:
        files: dict[str, Any] = {}
        fields = {}
        # Empty fields left out in the dump, as aiogram's form leaves them out: walked one by
        # one, a Codebook answer's buttons' dozen empty fields each took 10 µs an answer.
        for key, value in method.model_dump(warnings=False, exclude_none=True).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:  # what aiogram's form leaves out, left out
                fields[key] = prepared
        if files:
            return super().build_form_data(bot, method)
        return JsonFields(fields)

    async def close(self) -> None:
        if urlsplit(self.api.base).scheme == "http":  # (urlsplit lowers HTTP://)
            if self._session is not None and not self._session.closed:
                await self._session.close()
            return
        await super().close()


class Delivered(BaseModel):
    """What the bot reads of Telegram's reply to an answer it sent: that it was delivered, and
    its id. The reply is Telegram's copy of the message, its text, every entity the HTML made and
    the buttons; aiogram reads it into a ``Message`` of pydantic objects, 110-170 µs for an
    answer of Codebook's (14 entities, three buttons) against 26 µs for a bare text, on every
    answer, for a copy nobody reads (README: Benchmarks)."""

    model_config = ConfigDict(extra="ignore")
    message_id: int


class SendAnswer(SendMessage):
    """sendMessage, its reply read as ``Delivered``: the same request."""

    __returning__ = Delivered  # type: ignore[assignment]  # the lighter reading is the point


async def send_unread(method: SendMessage) -> Delivered:
    """Send ``method`` as aiogram's shortcut made it (``message.answer(...)``,
    ``message.reply(...)``: its chat, topic, business connection and reply filled in), without
    reading Telegram's copy of the message into a ``Message``. A refusal raises as before."""
    bot = method.bot
    if bot is None:  # as aiogram says it when such a method is awaited
        raise RuntimeError("this method is not mounted to a bot instance: make it from a message")
    # The same request under the class that reads its reply lightly. SendAnswer adds no field
    # (a test holds it), so only the reading changes; 1 µs, where building a SendAnswer of the
    # shortcut's fields validated them again (12 µs an answer; model_construct took 14).
    method.__class__ = SendAnswer
    return cast(Delivered, await bot(method))


# Seconds each request of the start may take (who the bot is, the webhook deleted or set, the
# commands): a network that drops what goes to Telegram (a firewall, a country that blocks it)
# held the start for aiogram's 60 s a request in silence. A wait Telegram asks for (429) is no
# part of it. Doctor gives its requests as long: what it passes, the bot starts with.
START_TIMEOUT = 10


@asynccontextmanager
async def starting(bot: Bot) -> AsyncIterator[None]:
    """The start's requests, each bounded to START_TIMEOUT; one that gets no answer by then is
    said so ("no answer within 10 s") by the TelegramNetworkError that stops the start."""
    timeout, bot.session.timeout = bot.session.timeout, START_TIMEOUT
    try:
        yield
    except TelegramNetworkError as exc:
        if not timed_out(exc):
            raise
        message = f"no answer within {START_TIMEOUT} s"
        raise TelegramNetworkError(method=exc.method, message=message) from None
    finally:
        bot.session.timeout = timeout


def timed_out(exc: BaseException) -> bool:
    """Whether a Bot API request failed for want of an answer in time (aiogram raises its
    TelegramNetworkError from the timeout)."""
    return isinstance(exc, TimeoutError) or isinstance(exc.__cause__, TimeoutError)


def undecoded(exc: ClientDecodeError) -> str:
    """What answered where a Bot API reply was awaited, in one line that shows how it begins
    (aiogram says three lines and the whole page: a proxy's, a web server's error)."""
    kind = "JSON of another shape" if isinstance(exc.original, ValidationError) else "not JSON"
    return f"{kind}, beginning “{one_line(str(exc.data), 60)}”"
