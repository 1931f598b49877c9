"""Send an answer as Telegram messages, and log the lookup it was."""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup, Message

from bot.analytics.rollup import Lookup, LookupEntry
from bot.analytics.writer import LookupLog
from bot.answer import Answer, Outcome
from bot.i18n import Lang
from bot.memo import PerObject
from bot.render import render
from bot.telegram.keyboards import answer_keyboard

# How the analytics count each outcome: a provider's card answered the question, an empty or
# unreadable message did not.
_OUTCOMES = {
    Outcome.FOUND: "found",
    Outcome.PROVIDER: "found",
    Outcome.NOT_AN_ERROR: "not_an_error",
    Outcome.SEVERAL: "several",
    Outcome.NOT_FOUND: "not_found",
    Outcome.HELP: "not_found",
}


@dataclass
class Trace:
    """What became of one update, for its log line (filled in by the handlers)."""

    started: float
    outcome: str = "ignored"


def analytics_outcome(answer: Answer) -> str:
    """found, several, not_found or not_an_error."""
    return _OUTCOMES[answer.outcome]


# The resolver remembers answers per question, so the same answer object comes back all day:
# its messages, buttons and analytics entries are made once.
_REPLIES: PerObject[tuple[list[str], InlineKeyboardMarkup | None]] = PerObject()
_ENTRIES: PerObject[tuple[LookupEntry, ...]] = PerObject()


def _entries(answer: Answer) -> tuple[LookupEntry, ...]:
    return tuple(
        LookupEntry(m.slug, m.entry.key, m.entry.code, m.entry.title.en) for m in answer.matches
    )


def lookup_of(
    answer: Answer, *, channel: str, chat_type: str, user_id: int | None, text: str, started: float
) -> Lookup:
    """The analytics record of an answered question."""
    provider = answer.query.provider
    return Lookup(
        at=time.time(),
        channel=channel,
        chat_type=chat_type,
        user_id=user_id,
        outcome=analytics_outcome(answer),
        query=text,
        took_ms=(time.perf_counter() - started) * 1000,
        entries=_ENTRIES.get(answer, None, lambda: _entries(answer)),
        provider=provider.slug if provider else None,
    )


async def send_answer(
    message: Message,
    answer: Answer,
    *,
    lang: Lang,
    lookups: LookupLog,
    trace: Trace,
    channel: str,
    text: str,
) -> None:
    """Reply with the rendered answer (buttons under the last part) and record the lookup."""
    messages, keyboard = _REPLIES.get(
        answer, lang, lambda: (render(answer, lang), answer_keyboard(answer, lang))
    )
    in_group = message.chat.type != "private"
    for number, part in enumerate(messages, 1):
        markup = keyboard if number == len(messages) else None
        if in_group:
            await message.reply(part, reply_markup=markup)
        else:
            await message.answer(part, reply_markup=markup)
    trace.outcome = analytics_outcome(answer)
    user = message.from_user
    lookups.record(
        lookup_of(
            answer,
            channel=channel,
            chat_type=message.chat.type,
            user_id=user.id if user else None,
            text=text,
            started=trace.started,
        )
    )
