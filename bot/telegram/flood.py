"""Flood control: a budget for everything one person can make the bot send, at a cost per
update that does not grow with the number of people.

Each person has a bucket of ``limit`` updates, refilled evenly over ``window`` seconds (the
generic cell rate algorithm, one number per person): ``limit`` at once, then one every
``window / limit`` seconds. Past it, one notice a window, then silence.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineQuery,
    InlineQueryResultsButton,
    Message,
    TelegramObject,
    User,
)

from bot.core.i18n import Lang, t
from bot.core.markup import HTML
from bot.handoff.conversation import State
from bot.store import StorageUnavailable
from bot.telegram.handlers import Done

if TYPE_CHECKING:
    from bot.telegram.desk import SupportDesk

logger = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
ALBUMS = 10_000  # albums remembered (Telegram sends an album's messages within a second or so)


class Verdict(Enum):
    """What to do with one update of a person."""

    ANSWER = "answer"
    NOTICE = "notice"  # over budget: say so, once a window
    SILENCE = "silence"  # over budget, and told already


class Budget:
    """Every person's bucket in this process.

    People are kept in the order they were last seen, so forgetting the idle ones looks only at
    the oldest: O(1) per update, amortised. Someone idle for a whole window has a full bucket,
    so forgetting them changes nothing. At most ``tracked`` people are kept: past that (many
    thousands of people in one window) the least recently seen go first.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        tracked: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._interval = window / limit
        self._tracked = tracked
        self._clock = clock
        # person -> [the time their bucket is full again (GCRA's "TAT"), last seen, last told]
        self._people: OrderedDict[int, list[float]] = OrderedDict()
        self._evicted = 0

    def __len__(self) -> int:
        return len(self._people)

    async def take(self, person: int) -> Verdict:
        """Spend one update of ``person``'s budget, if there is one left."""
        now = self._clock()
        people = self._people
        state = people.get(person)
        if state is None:
            state = people[person] = [now, now, float("-inf")]
        else:
            people.move_to_end(person)
            state[1] = now
        self._forget(now)
        full_at = max(state[0], now)
        if full_at - now <= self.window - self._interval:
            state[0] = full_at + self._interval
            return Verdict.ANSWER
        if now - state[2] >= self.window:
            state[2] = now
            return Verdict.NOTICE
        return Verdict.SILENCE

    def _forget(self, now: float) -> None:
        people = self._people
        while people:
            oldest = next(iter(people.values()))
            if now - oldest[1] < self.window and len(people) <= self._tracked:
                return
            if now - oldest[1] < self.window:
                self._evicted += 1
                if self._evicted == 1:
                    logger.warning(
                        "flood control: more than %d people in one window; forgetting the "
                        "least recently seen early",
                        self._tracked,
                    )
            people.popitem(last=False)


class FloodControl(BaseMiddleware):
    """Every update a handler takes spends its sender's budget: questions, commands, button
    presses, votes, messages relayed to the support team (inline queries have a budget of their
    own). Updates nobody handles, such as chatter in a group, cost nothing; nor does anything
    in ``unlimited_chat``, the support chat: staff are never limited. An album (the messages of
    one ``media_group_id``, which Telegram sends one by one) costs one update: its first
    message's verdict is every other one's."""

    def __init__(self, budget: Budget, unlimited_chat: int | None = None) -> None:
        self.budget = budget
        self.unlimited_chat = unlimited_chat
        self._albums: OrderedDict[tuple[int, str], Verdict] = OrderedDict()  # the latest ALBUMS

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if user is None or (chat is not None and chat.id == self.unlimited_chat):
            return await handler(event, data)
        # Who writes as a chat (an anonymous admin, a channel, a linked channel's post) comes
        # from one of Telegram's shared accounts: the chat is whose budget it is, or one anonymous
        # admin silenced every other group's (found by an attack).
        sender = event.sender_chat if isinstance(event, Message) else None
        person = user.id if sender is None else sender.id
        album = event.media_group_id if isinstance(event, Message) else None
        if album is not None and (person, album) in self._albums:
            verdict = self._albums[(person, album)]
            return await handler(event, data) if verdict is Verdict.ANSWER else Done.FLOOD
        verdict = await self.budget.take(person)
        if album is not None:
            self._albums[(person, album)] = verdict
            if len(self._albums) > ALBUMS:
                self._albums.popitem(last=False)
        if verdict is Verdict.ANSWER:
            return await handler(event, data)
        if verdict is Verdict.NOTICE:
            await _notice(event, data["lang"], await _talking(event, data.get("desk")))
        return Done.FLOOD


async def _talking(event: TelegramObject, desk: SupportDesk | None) -> bool:
    """Whether the sender of a private message is talking with the support team (their
    conversation open): read only when a notice is due, once a window."""
    if desk is None or not isinstance(event, Message) or event.chat.type != "private":
        return False
    try:
        live = await desk.store.live_conversation(event.chat.id)
    except StorageUnavailable:
        return False
    return live is not None and live.state is State.OPEN


async def _notice(event: TelegramObject, lang: Lang, talking: bool = False) -> None:
    """Tell the person, once a window, in the way their update allows; one talking with the
    team, that what they send for a minute does not reach it (to send it again)."""
    notice = t("too_many_in_conversation" if talking else "too_many", lang)
    if isinstance(event, Message):  # in a group, to the one it is about (found by an attack)
        say = event.answer if event.chat.type == "private" else event.reply
        await say(HTML.esc(notice))
    elif isinstance(event, CallbackQuery):
        await event.answer(notice, show_alert=True)
    elif isinstance(event, InlineQuery):
        button = InlineQueryResultsButton(text=notice[:64], start_parameter="help")
        await event.answer([], cache_time=0, is_personal=True, button=button)
