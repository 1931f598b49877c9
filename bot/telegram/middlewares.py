"""Middlewares: what every update carries (the reader's language, the object that answers it,
a log line), and Telegram's ``retry_after``. Flood control is in flood.py."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Chat, TelegramObject, Update, User

from bot.core.i18n import language_for
from bot.telegram.monitoring import Metrics
from bot.telegram.replies import Replies
from bot.telegram.shared import Once

logger = logging.getLogger("bot.updates")
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PerUpdate(BaseMiddleware):
    """What every update gets and leaves: ``lang`` (see i18n.language_for) and ``replies`` (the
    object that answers it and records its lookups) for the handlers; a count of the updates in
    hand, so a stop can wait for them; and one readable log line and the metrics: kind, chat
    type, outcome (what the handler returned) and time."""

    def __init__(self, metrics: Metrics | None = None, once: Once | None = None) -> None:
        self._metrics = metrics
        self._once = once  # webhook mode: an update delivered twice is handled once
        self._in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        started = time.perf_counter()
        user: User | None = data.get("event_from_user")
        lang = data["lang"] = language_for(user.language_code if user else None)
        data["replies"] = Replies(data["library"], data["lookups"], lang, user, started)
        self._in_hand += 1
        self._idle.clear()
        outcome = "error"  # unless the handler returns
        try:
            if self._once is not None and not await self._once.first(
                data["bot"].id, event.update_id
            ):
                outcome = "duplicate"
                return None
            result = await handler(event, data)
            outcome = result if isinstance(result, str) else "ignored"
            return result
        finally:
            self._in_hand -= 1
            if not self._in_hand:
                self._idle.set()
            took = time.perf_counter() - started
            if self._metrics is not None:
                self._metrics.observe(event.event_type, outcome, took)
            if logger.isEnabledFor(logging.INFO):
                chat: Chat | None = data.get("event_chat")
                logger.info(
                    "update %s %s in %s: %s (%.1f ms)",
                    event.update_id,
                    event.event_type,
                    chat.type if chat else "no chat",
                    outcome,
                    took * 1000,
                )

    async def wait_idle(self, grace: float) -> bool:
        """Wait up to ``grace`` seconds for the updates in hand; False if some still run."""
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            return False
        return True


class RetryAfter(BaseRequestMiddleware):
    """Honour Telegram's flood control: wait ``retry_after`` seconds and send again."""

    def __init__(self, attempts: int = 3) -> None:
        self.attempts = attempts

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts:
                    raise
                logger.warning(
                    "Telegram asked to wait %s s before %s (attempt %s)",
                    exc.retry_after,
                    type(method).__name__,
                    attempt,
                )
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")
