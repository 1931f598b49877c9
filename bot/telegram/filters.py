"""Filters deciding which messages are questions, handing the handler what they found.

All are coroutines: aiogram runs a synchronous filter (a magic ``F`` filter too) in a worker
thread, which costs more than the whole lookup.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.filters import BaseFilter, CommandObject
from aiogram.types import CallbackQuery, Message, MessageEntity
from aiogram.utils.text_decorations import add_surrogates, remove_surrogates

from bot.analytics.days import MAX_DAYS
from bot.analytics.kinds import Channel
from bot.core.answer import Match
from bot.core.library import Library
from bot.core.query import asks_nothing
from bot.settings import Settings
from bot.telegram.keyboards import ALERT_LINK, Pick, Vote


def message_text(message: Message) -> str | None:
    """The text of a message, or the caption of a photo or document."""
    return message.text if message.text is not None else message.caption


class ChatIs(BaseFilter):
    """The message is in a chat of one of these types (private, group, supergroup)."""

    def __init__(self, *types: str) -> None:
        self.types = frozenset(types)

    async def __call__(self, message: Message) -> bool:
        return message.chat.type in self.types


class LooksLikeCommand(BaseFilter):
    """The text starts with "/": one cheap test before the command filters parse it."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and message.text.startswith("/")


# The question filters hand the handler what they found: ``query`` (the text to answer) and
# ``channel`` (how it came: a Channel).


class PrivateQuestion(BaseFilter):
    """A private message with text (not a /command) or a caption."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        if message.chat.type != "private":
            return False
        if message.text is not None:
            if message.text.startswith("/"):
                return False
            return {"query": message.text, "channel": Channel.PRIVATE}
        if message.caption is None:
            return False
        return {"query": message.caption, "channel": Channel.PRIVATE}


class CodeQuery(BaseFilter):
    """``/code <query>`` in any chat (after ``Command("code")``); a bare /code does not match."""

    async def __call__(self, message: Message, command: CommandObject) -> bool | dict[str, Any]:
        query = (command.args or "").strip()
        return {"query": command.args, "channel": Channel.COMMAND} if query else False


class DeepLinkQuery(BaseFilter):
    """``t.me/<bot>?start=gosms_1004`` (after ``CommandStart(deep_link=True)``): the question
    "gosms 1004"."""

    async def __call__(
        self, message: Message, command: CommandObject, library: Library
    ) -> bool | dict[str, Any]:
        payload = command.args or ""
        # An alert's answer button (telegram/radar.py): a lookup, but not one the radar counts.
        channel = Channel.ALERT if payload.startswith(ALERT_LINK) else Channel.DEEP_LINK
        slug, _, rest = payload.removeprefix(ALERT_LINK).partition("_")
        known = rest and slug in library.resolver.catalog.providers
        return {"query": f"{slug} {rest}" if known else payload, "channel": channel}


class AddressedToBot(BaseFilter):
    """A group message that mentions the bot or replies to it: the question is the rest, the
    bot's name taken out. Asking nothing more ("@codebook_bot", "@codebook_bot что это?") in
    reply to someone else's message, it asks about that message ("@codebook_bot" under a
    colleague's "our gateway returned notificore 35" got the help: found by attacks)."""

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        text = message_text(message)
        if text is None:
            return False
        reply = message.reply_to_message
        to_me = reply is not None and reply.from_user is not None and reply.from_user.id == bot.id
        me = await bot.me()
        mention = f"@{me.username}".lower() if me.username else None
        entities = message.entities if message.text is not None else message.caption_entities
        named = next(
            (e for e in entities or () if e.type == "mention" and e.extract_from(text).lower()
             == mention),
            None,
        )  # fmt: skip
        if named is None and not to_me:
            return False
        query = text if named is None else _without(text, named)
        if reply is not None and not to_me and asks_nothing(query):
            query = message_text(reply) or query
        return {"query": query, "channel": Channel.GROUP}


class ConfidentLookup(BaseFilter):
    """A plain group message that is a lookup and nothing else (a known provider, by its name,
    and a code, filler words around), or holds a pasted error response: ``answer`` is the
    answer. Anything else in a group is chatter: "radist 400 people joined", "мобизон 3 дня не
    работает" and a misspelt guess ("radish 1" as Radist 1) were answered (found by an attack);
    addressed to the bot, they still are."""

    async def __call__(self, message: Message, library: Library) -> bool | dict[str, Any]:
        text = message_text(message)
        if not text or text.startswith("/"):  # a command, maybe another bot's: not ours to take
            return False
        answer = library.resolver.answer(text)
        if not answer.confident:
            return False
        query = answer.query
        if not query.payload and (
            query.meaningful_words or any(mention.assumed for mention in query.providers)
        ):
            return False
        return {"query": text, "answer": answer, "channel": Channel.GROUP}


class IsAdmin(BaseFilter):
    """The sender (of a message or a button press) is one of ``ADMIN_IDS``."""

    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        user = event.from_user
        return user is not None and user.id in settings.admin_ids


class KnownEntry(BaseFilter):
    """The button's entry is in the catalogs in use: ``match`` is it. A button from before a
    reload that removed the entry, or a made-up one, falls through to ``unknown_button``."""

    async def __call__(
        self, callback: CallbackQuery, callback_data: Pick | Vote, library: Library
    ) -> bool | dict[str, Any]:
        found = library.resolver.catalog.by_ref.get(callback_data.ref)
        return {"match": Match(*found)} if found is not None else False


DEFAULT_DAYS = 7


class Period(BaseFilter):
    """``days`` from the command's argument (``/stats 30``; a week without one); a bad
    argument does not match, and ``bad_period`` explains."""

    async def __call__(self, message: Message, command: CommandObject) -> bool | dict[str, Any]:
        if not command.args:
            return {"days": DEFAULT_DAYS}
        arg = command.args.strip()
        if arg.isdigit() and 1 <= int(arg) <= MAX_DAYS:
            return {"days": int(arg)}
        return False


def _without(text: str, entity: MessageEntity) -> str:
    """The text with the entity cut out (Telegram counts offsets in UTF-16 code units)."""
    encoded = add_surrogates(text)
    start, end = entity.offset * 2, (entity.offset + entity.length) * 2
    return remove_surrogates(encoded[:start] + " ".encode("utf-16-le") + encoded[end:]).strip()
