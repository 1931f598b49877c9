"""The Bot API session: aiogram's, its requests sent as JSON where they carry no file, and closed
without its TLS pause where nothing was TLS."""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp import FormData, JsonPayload
from aiohttp.payload import Payload

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
        super().__init__()
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
        for key, value in method.model_dump(warnings=False).items():
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
