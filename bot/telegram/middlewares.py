"""Middlewares, one job each. On every update, outermost first (app.py registers them): the
log line and metrics, the count a stop waits for, once only (webhook mode), the reader's
language, the object that answers. Flood control, per person, is in flood.py; RetryAfter
honours Telegram's ``retry_after`` on the bot's requests."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Chat, TelegramObject, Update, User

from bot.core.i18n import language_for
from bot.logs import UPDATES
from bot.settings import Settings
from bot.telegram.handlers import Done
from bot.telegram.replies import Replies
from bot.telegram.shared import Mark, Marks

if TYPE_CHECKING:
    from bot.telegram.metrics import Metrics

logger = logging.getLogger(UPDATES)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

CUT_OFF_WAIT = 1.0  # seconds a stop waits for the updates it cut off to end


class UpdateLog(BaseMiddleware):
    """One readable log line and the metrics (where served) per update: its kind, its chat's
    type, its outcome (what the handler returned, see handlers/__init__.py) and the whole time
    it took."""

    def __init__(self, metrics: Metrics | None) -> None:
        self._metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        started = time.perf_counter()
        outcome: str = Done.ERROR  # unless the handler returns
        try:
            result = await handler(event, data)
            outcome = result if isinstance(result, str) else Done.IGNORED
            return result
        except asyncio.CancelledError:
            outcome = Done.CUT_OFF  # by a stop (InFlight.cut_off)
            raise
        finally:
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


class InFlight(BaseMiddleware):
    """Keeps the updates in hand, so that a stop can wait for them (``wait_idle``) and cut off
    those that outlast its grace (``cut_off``), and the id of the last one begun
    (``last_begun``: updates begin in Telegram's order), so that a stop can confirm what it
    answered."""

    def __init__(self, grace: float, webhook: bool = False) -> None:
        self._in_hand = 0
        self.grace = grace  # seconds a stop waits for the updates in hand (STOP_GRACE)
        self._tasks: dict[asyncio.Task[Any], int] = {}  # the tasks handling them: update ids
        self._idle = asyncio.Event()
        self._idle.set()
        self.last_begun: int | None = None
        self._webhook = webhook
        self._delivered_below = 0  # long polling: the offset of the last getUpdates sent

    async def polled(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """A request middleware, in long polling: keeps the offset of each getUpdates sent,
        below which Telegram counts every update delivered. Kept as the request goes (a long
        poll the stop cancels has reached Telegram), taken back if it fails (a 502 from a proxy,
        a refused connection: Telegram most likely never saw it)."""
        offset = method.offset if isinstance(method, GetUpdates) else None
        if offset is None:
            return await make_request(bot, method)
        before = self._delivered_below
        self._delivered_below = max(before, offset)
        try:
            return await make_request(bot, method)
        except Exception:
            self._delivered_below = before
            raise

    def comes_again(self, update_id: int) -> bool:
        """Whether Telegram hands the update out again if a stop cuts it off: a webhook's (its
        request left unanswered), and in long polling one no getUpdates has confirmed yet (its
        batch still waiting its turn, UPDATES_AT_ONCE in hand)."""
        return self._webhook or update_id >= self._delivered_below

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        self.last_begun = event.update_id
        task = asyncio.current_task()
        assert task is not None  # a middleware runs in a task
        self._tasks[task] = event.update_id
        self._in_hand += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._tasks.pop(task, None)
            self._in_hand -= 1
            if not self._in_hand:
                self._idle.set()

    @property
    def in_hand(self) -> int:
        """How many updates are being handled now."""
        return self._in_hand

    async def cut_off(self) -> list[int]:
        """Cancel the updates in hand and wait for them to end; their ids, in order. A stop
        does this once its grace is over, before it writes the lookups and closes the session:
        otherwise each ended in a traceback as the session closed under it, its apology sent
        through a session opened again."""
        cut = dict(self._tasks)
        for task in cut:
            task.cancel()
        if cut:
            await asyncio.wait(cut, timeout=CUT_OFF_WAIT)
        return sorted(cut.values())

    async def wait_idle(self) -> bool:
        """Wait up to ``grace`` seconds for the updates in hand; False if some still run."""
        try:
            await asyncio.wait_for(self._idle.wait(), self.grace)
        except TimeoutError:
            return False
        return True


class HandledOnce(BaseMiddleware):
    """An update delivered twice is handled once, across replicas: Telegram resends a webhook
    update it did not see acknowledged, and a load balancer may retry one on another replica.
    A delivery that finds the update in hand elsewhere waits for that one to end: done, it is a
    duplicate; let go (cut off by a stop, or its replica died and its lease ended), this one
    handles it. Acknowledging it at once would lose it if the other were then cut off."""

    def __init__(self, marks: Marks) -> None:
        self._marks = marks

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        what = (data["bot"].id, event.update_id)
        # Taken already by the webhook's handler (CheckedUpdates), which waited for it there;
        # fed otherwise (tests, benches), taken here.
        mark = data.get("update_mark") or await self._marks.taken(*what)
        if mark is not Mark.NEW:  # done; or still in hand at a replica Redis lost sight of
            return Done.DUPLICATE
        try:
            result = await handler(event, data)
        except asyncio.CancelledError:  # cut off by a stop: Telegram sends it again, to handle
            await asyncio.shield(self._marks.forget(*what))
            raise
        except BaseException:
            # Handled, if badly (the errors handler said so). Shielded: a stop arriving now
            # would leave it in hand, and the resend waiting out the lease to answer again.
            await asyncio.shield(self._marks.done(*what))
            raise
        await asyncio.shield(self._marks.done(*what))
        return result


class Language(BaseMiddleware):
    """``lang`` for the handlers: the language the update is answered in (i18n.language_for)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        data["lang"] = language_for(user.language_code if user else None)
        return await handler(event, data)


class RepliesFor(BaseMiddleware):
    """``replies`` for the handlers: the object that answers the update, in ``lang`` (set by
    Language before it), and records its lookups; with "Talk to a person" under private answers
    when SUPPORT_CHAT_ID is set, and the team's notes for an admin."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        started = time.perf_counter()
        user: User | None = data.get("event_from_user")
        settings: Settings = data["settings"]
        assert isinstance(event, Update)
        data["replies"] = Replies(
            data["library"],
            data["lookups"],
            data["lang"],
            user,
            started,
            human=settings.support_chat_id is not None,
            admin=user is not None and user.id in settings.admin_ids,
            comes_again=partial(data["services"].in_flight.comes_again, event.update_id),
        )
        return await handler(event, data)


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
                    method.__api_method__,  # as Telegram names it, however aiogram's class is
                    attempt,
                )
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")
