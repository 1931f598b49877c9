"""A Bot session that records every request and answers at once, as Telegram would: for
handler tests through ``Dispatcher.feed_update`` and for the throughput benchmark."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import (
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, User

TOKEN = "42:TEST_TOKEN_0123456789abcdefghijkl"
ME = User(id=42, is_bot=True, first_name="Codebook", username="codebook_bot")


class RecordingSession(BaseSession):
    """Keeps every method the bot calls in ``requests``; makes up a plausible result."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.forbidden: set[int] = set()  # people who never pressed Start: the bot cannot
        # write to them first, as Telegram answers with 403
        self._ids = itertools.count(1000)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.requests.append(method)
        if getattr(method, "chat_id", None) in self.forbidden:
            raise TelegramForbiddenError(
                method=method, message="Forbidden: bot can't initiate conversation with a user"
            )
        return self._result(method)  # type: ignore[return-value]

    def _result(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return ME
        if isinstance(method, SendMessage | SendDocument | SendPhoto):
            return self._message(method.chat_id, getattr(method, "text", None))
        if isinstance(method, EditMessageText):
            if method.inline_message_id is not None:
                return True
            return self._message(method.chat_id, method.text, method.message_id)
        return True

    def _message(self, chat_id: Any, text: str | None, message_id: int | None = None) -> Message:
        chat_id = int(chat_id)
        return Message(
            message_id=message_id or next(self._ids),
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup"),
            from_user=ME,
            text=text,
        )

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

    def sent(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        """The requests of one kind, in order."""
        return [r for r in self.requests if isinstance(r, kind)]


def recording_bot() -> tuple[Bot, RecordingSession]:
    """A Bot like the real one (HTML by default) whose requests are recorded."""
    session = RecordingSession()
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    return bot, session
