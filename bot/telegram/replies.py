"""One object bound to each update that answers its question and records the lookup it was.

Through it go the answers sent as messages (a question however it came: a private or group
message, /code, a deep link) and the entries a button shows; and every lookup recorded,
inline queries' too. It resolves the text itself unless a filter already did (ConfidentLookup,
which must resolve to decide that a group message is a question). Inline mode builds its own
results (articles to pick, not messages) and only records through it; /teach resolves the
entry it teaches, which is no lookup."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, User

from bot.analytics.kinds import Channel, LookupOutcome
from bot.analytics.privacy import mask_query, masked
from bot.analytics.rollup import Lookup, LookupEntry
from bot.analytics.writer import LookupLog
from bot.core.answer import Answer, Match, Outcome
from bot.core.i18n import Lang, t
from bot.core.library import Library
from bot.core.markup import HTML, one_line, split_messages
from bot.core.query import only_thanks
from bot.core.render import entry_label, render
from bot.telegram.handlers import Done, Handled
from bot.telegram.keyboards import answer_keyboard
from bot.telegram.session import send_unread

# How the analytics count each of the resolver's outcomes: a provider's card answered the
# question, an empty or unreadable message did not.
_COUNTED_AS = {
    Outcome.FOUND: LookupOutcome.FOUND,
    Outcome.PROVIDER: LookupOutcome.FOUND,
    Outcome.NOT_AN_ERROR: LookupOutcome.NOT_AN_ERROR,
    Outcome.SEVERAL: LookupOutcome.SEVERAL,
    Outcome.NOT_FOUND: LookupOutcome.NOT_FOUND,
    Outcome.HELP: LookupOutcome.NOT_FOUND,
}


_NOTHING_FOUND = frozenset({Outcome.NOT_FOUND, Outcome.HELP})


def said_back(text: str) -> str:
    """The person's words as the bot quotes them back: their secrets hidden, on one line."""
    return one_line(mask_query(text))


def analytics_outcome(answer: Answer) -> LookupOutcome:
    """How the analytics count ``answer``: the lookup's outcome, and its update's."""
    return _COUNTED_AS[answer.outcome]


class Replies:
    """Answers for one update, in its reader's language; each answer is recorded as a lookup.
    ``human``: private answers offer "Talk to a person" (SUPPORT_CHAT_ID is set); ``admin``:
    the reader is an admin, who also sees the team's notes under a private answer;
    ``comes_again``: whether Telegram hands the update out again if a stop cuts it off
    (``InFlight.comes_again``), its lookup then recorded when it is answered, not now."""

    def __init__(
        self,
        library: Library,
        lookups: LookupLog,
        lang: Lang,
        user: User | None,
        started: float,
        *,
        human: bool = False,
        admin: bool = False,
        comes_again: Callable[[], bool] = lambda: False,
    ) -> None:
        self.library = library
        self.lookups = lookups
        self.lang = lang
        self.user = user
        self.started = started
        self.human = human
        self.admin = admin
        self.comes_again = comes_again

    async def answer(
        self, message: Message, text: str, channel: Channel, answer: Answer | None = None
    ) -> Handled:
        """Answer ``text`` (or the ``answer`` a filter already worked out) in the message's
        chat, as a reply in groups, buttons under the last part; the outcome."""
        answer = answer or self.library.resolver.answer(text)
        in_group = message.chat.type != "private"
        nothing = answer.searched or answer.outcome in _NOTHING_FOUND
        if nothing and not answer.query.codes and only_thanks(text):
            said = HTML.esc(t("thanks_back", self.lang))
            await send_unread(message.reply(said) if in_group else message.answer(said))
            return Done.THANKED
        if answer.missing:  # no "no code 482913" of a password's digits (a fourth attack)
            hidden = masked(text)
            answer = answer._replace(missing=tuple(m for m in answer.missing if m.code in hidden))
        messages = render(answer, self.lang, quote=said_back)
        keyboard = answer_keyboard(answer, self.lang, human=self.human and not in_group)
        with self.recording(answer, channel, message.chat.type, text):
            for number, part in enumerate(messages, 1):
                markup = keyboard if number == len(messages) else None
                if in_group:
                    await send_unread(message.reply(part, reply_markup=markup))
                else:
                    await send_unread(message.answer(part, reply_markup=markup))
            if self.admin and not in_group:
                await self._notes(message, answer)
        return analytics_outcome(answer)

    async def show(self, callback: CallbackQuery, match: Match, bot: Bot) -> LookupOutcome:
        """A button pressed: the message it sits under becomes the entry's full answer."""
        answer = Answer.showing(match, text=f"{match.slug} {match.entry.key}")
        where: dict[str, Any] | None = None
        if callback.inline_message_id is not None:
            where = {"inline_message_id": callback.inline_message_id}
        elif callback.message is not None:
            where = {"chat_id": callback.message.chat.id, "message_id": callback.message.message_id}
        chat = callback.message.chat.type if callback.message is not None else "inline"
        with self.recording(answer, Channel.BUTTON, chat, answer.query.text):
            if where is not None:
                private = chat == "private"
                try:
                    await bot.edit_message_text(
                        text=render(answer, self.lang)[0],
                        reply_markup=answer_keyboard(
                            answer, self.lang, human=self.human and private
                        ),
                        **where,
                    )
                except TelegramBadRequest as exc:
                    # A second press on the same button: the message already shows this answer.
                    if "message is not modified" not in exc.message:
                        raise
            await callback.answer()
        return analytics_outcome(answer)

    async def _notes(self, message: Message, answer: Answer) -> None:
        """The team's notes on the entries shown, for an admin in private (never anyone else,
        never inline)."""
        notes = self.library.notes
        found = [(m, text) for m in answer.matches if (text := notes.about(m.slug, m.entry.key))]
        if found:
            parts = [HTML.bold(t("handoff_notes_admin", self.lang))]
            parts += [f"{HTML.code(entry_label(m))}\n{HTML.esc(text)}" for m, text in found]
            for part in split_messages(parts):
                await message.answer(part)

    @contextmanager
    def recording(
        self, answer: Answer, channel: Channel, chat_type: str, text: str
    ) -> Iterator[None]:
        """Record the lookup ``answer`` was once what is inside has run, whether Telegram took
        the answer, refused it, or a stop cut it off: the question was asked. Not an update cut
        off that comes again (``comes_again``): it is recorded when it is answered."""
        cut = False
        try:
            yield
        except asyncio.CancelledError:
            cut = True
            raise
        finally:
            if not (cut and self.comes_again()):
                self.record(answer, channel, chat_type, text)

    def record(self, answer: Answer, channel: Channel, chat_type: str, text: str) -> None:
        """Queue the lookup ``answer`` was (the log masks and pseudonymises it)."""
        provider = answer.query.provider
        self.lookups.record(
            Lookup(
                at=time.time(),
                channel=channel,
                chat_type=chat_type,
                user_id=self.user.id if self.user else None,
                outcome=analytics_outcome(answer),
                query=text,
                took_ms=(time.perf_counter() - self.started) * 1000,
                entries=tuple(
                    LookupEntry(m.slug, m.entry.key, m.entry.code, m.entry.title.en)
                    for m in answer.matches
                ),
                provider=provider.slug if provider else None,
            )
        )
