"""An aiogram session that hands each request to a FakeTelegram in process: the requests the
HTTP session would send, decoded and checked by the same fake, without a server or a socket."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any, cast

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from bot.settings import Settings
from bot.telegram.app import create_bot
from bot.telegram.session import Session
from tests.support.fake_telegram import TOKEN, FakeTelegram, decode_params

TRANSPORTS = ["http", "in process"]  # how a test's own Bot reaches the fake: make_bot


class FakeSession(BaseSession):
    """An aiogram session whose requests go to ``fake`` rather than over HTTP: the bot under
    test cannot tell (its form is built as AiohttpSession builds it, its answer read by aiogram's
    own ``check_response``). Not an AiohttpSession: each of those loads certifi's certificates
    into a TLS context as it is made (37 ms of CPU on the slower machine; the suite made 262),
    which a session that opens no connection never uses."""

    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__()
        self.fake = fake

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if bot.token != self.fake.token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            params = await self._params(bot, method)
            status, body = await self.fake.respond(method.__api_method__, params, method)
        response = self.check_response(
            bot=bot, method=method, status_code=status, content=json.dumps(body)
        )
        return cast(TelegramType, response.result)

    async def _params(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any]:
        """What ``AiohttpSession.build_form_data`` would send, as the fake's server reads it."""
        raw: dict[str, Any] = {}
        files: dict[str, InputFile] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                # A str-based enum (ParseMode.HTML) goes into the form as its text, "HTML".
                raw[key] = str.__str__(prepared) if isinstance(prepared, str) else prepared
        uploads = {
            key: {
                "filename": upload.filename or key,
                "content": b"".join([chunk async for chunk in upload.read(bot)]),
                "content_type": "application/octet-stream",
            }
            for key, upload in files.items()
        }
        return decode_params(raw, uploads)

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""


def bot_for(fake: FakeTelegram, settings: Settings) -> Bot:
    """The bot production makes from ``settings`` (HTML, retry_after honoured), talking to
    ``fake`` in process (``settings`` hold the fake's token, else every call gets 401)."""
    return create_bot(settings, session=FakeSession(fake))


def make_bot(fake: FakeTelegram, transport: str, token: str = TOKEN) -> Bot:
    """A plain Bot speaking HTML to ``fake`` over real HTTP (``"http"``: the fake's server must
    be running) or in process (``"in process"``), for the fake's own tests. Over HTTP, the
    bot's own session (no TLS pause at close: 0.25 s a test)."""
    if transport == "http":
        session: BaseSession = Session(api=TelegramAPIServer.from_base(fake.base_url))
    else:
        session = FakeSession(fake)
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
