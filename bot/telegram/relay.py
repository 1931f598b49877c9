"""Copying messages between a person's private chat and their topic in the support chat
(``copyMessage``: the team sees the person's words, photos, documents and voice as sent; the
person sees the team's replies from the bot, signed when SUPPORT_SIGNATURES is on), and what
Telegram's refusals mean for a conversation."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from aiogram import Bot
from aiogram.enums import ContentType
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
)
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner, Message

from bot.analytics.privacy import mask_message, value_after_name
from bot.core.markup import CAPTION_LIMIT, HTML, MESSAGE_LIMIT, shown_length
from bot.telegram.filters import message_text

# What copyMessage copies and a person or the team may send (service messages, such as a topic
# made or closed, are not copied: Telegram refuses them).
RELAYED = frozenset(
    {
        ContentType.TEXT, ContentType.PHOTO, ContentType.DOCUMENT, ContentType.VOICE,
        ContentType.VIDEO, ContentType.AUDIO, ContentType.ANIMATION, ContentType.STICKER,
        ContentType.VIDEO_NOTE, ContentType.LOCATION, ContentType.CONTACT, ContentType.VENUE,
        ContentType.DICE, ContentType.POLL,
    }
)  # fmt: skip
# What a person may send that copyMessage cannot copy (Telegram's copyMessage: "paid media
# messages, giveaway messages, giveaway winners messages ... can't be copied"; a forwarded story
# and a checklist neither): the person is told it did not reach the team, rather than answered
# as a question.
NOT_COPIED = frozenset(
    {
        ContentType.STORY, ContentType.PAID_MEDIA, ContentType.GIVEAWAY,
        ContentType.GIVEAWAY_WINNERS, ContentType.CHECKLIST,
    }
)  # fmt: skip
HANDLED = RELAYED | NOT_COPIED  # what handoff takes from a person talking to the team
CAPTIONED = frozenset(
    {
        ContentType.PHOTO, ContentType.DOCUMENT, ContentType.VOICE, ContentType.VIDEO,
        ContentType.AUDIO, ContentType.ANIMATION,
    }
)  # fmt: skip


def topic_gone(exc: BaseException) -> bool:
    """Telegram says the topic is no more (deleted by staff): a new one is needed."""
    if not isinstance(exc, TelegramBadRequest):
        return False
    said = exc.message.lower()
    return "thread not found" in said or "topic_id_invalid" in said or "topic_deleted" in said


def topic_closed(exc: BaseException) -> bool:
    """Telegram refuses a message into a topic staff closed (in Telegram, not with /close)."""
    return isinstance(exc, TelegramBadRequest) and "topic_closed" in exc.message.lower()


# What Telegram says when it refuses the one message or name it was given, not the chat: any
# other Bad Request is taken for the chat (a list of the chat's refusals let through those it
# did not name, "Have no write access to the chat", as a message's: found by a second attack).
_MESSAGE_REFUSALS = (
    "message to copy not found", "message can't be copied", "message_id_invalid",
    "message is too long", "message_too_long", "can't parse entities", "wrong file identifier",
    "topic_title", "message text is empty", "poll can't be", "quiz", "caption is too long",
    "media_caption_too_long", "wrong remote file identifier", "message_empty",
)  # fmt: skip


def refused_alone(exc: BaseException) -> bool:
    """Telegram refused the one message (deleted before it was copied, a kind it will not copy)
    or name it was given, the chat being fine."""
    if not isinstance(exc, TelegramBadRequest):
        return False
    said = exc.message.lower()
    return any(refusal in said for refusal in _MESSAGE_REFUSALS)


def unreachable(exc: BaseException) -> bool:
    """The support chat cannot be used now: the bot was removed from it or may not manage its
    topics, it is gone or no forum, or Telegram cannot be reached (a topic gone is not this, nor
    a refusal of the one message: an attack found a person's deleted message, which Telegram
    would not copy, taken for the support chat down, every person then told so)."""
    if isinstance(exc, (TelegramForbiddenError, TelegramNetworkError)):
        return True
    return isinstance(exc, TelegramAPIError) and not topic_gone(exc) and not refused_alone(exc)


async def into_topic(
    bot: Bot, chat_id: int, topic_id: int | None, send: Callable[[int], Awaitable[object]],
    *, closed: bool = False,
) -> bool:  # fmt: skip
    """``send(topic_id)`` into the topic, reopened first when staff closed it (``closed``, or
    Telegram says so); False when there is no topic or it is gone (a new one is needed). The
    support chat's other refusals are raised."""
    if topic_id is None:
        return False
    try:
        if closed:
            await reopen(bot, chat_id, topic_id)
        try:
            await send(topic_id)
        except TelegramBadRequest as exc:
            if not topic_closed(exc):
                raise
            await reopen(bot, chat_id, topic_id)
            await send(topic_id)
    except TelegramBadRequest as exc:
        if topic_gone(exc):
            return False
        raise
    return True


async def reopen(bot: Bot, chat_id: int, topic_id: int) -> None:
    """Reopen the topic (open already is no fault)."""
    try:
        await bot.reopen_forum_topic(chat_id, topic_id)
    except TelegramBadRequest as exc:
        if "topic_not_modified" not in exc.message.lower():
            raise


class Masked(NamedTuple):
    """What the team gets instead of a copy (``masked_for_team``), and whether it goes as words
    alone: a name beside the message held a secret, which no copy can carry another of."""

    text: str
    as_words: bool


def masked_for_team(message: Message, after_name: bool = False) -> Masked | None:
    """What the team gets instead of a copy of the person's message when a secret is in it: its
    text or caption with the secrets hidden (bot/analytics/privacy.py), and below it each link
    hidden behind a word (a ``text_link``: Ctrl+K, a rich paste), "🔗 word: URL", its URL masked
    too, since what goes instead of a copy carries no links; None when nothing is hidden, in the
    text or in a link's URL."""
    text = message_text(message) or ""
    entities = message.entities if message.text is not None else message.caption_entities
    if message.poll is not None:  # its question and options a line each, as a text has them
        poll = message.poll
        words = (f"📊 {poll.question}", *(option.text for option in poll.options))
        text = "\n".join(filter(None, (*words, poll.explanation)))  # a quiz's explanation too
        entities = None
    masked = mask_message(text)
    if after_name and message.poll is None and value_after_name(text):
        masked = "<secret>"  # the value of the secret the message before named
    hidden = masked is not None
    lines = [text if masked is None else masked]
    for entity in entities or ():
        if entity.type != "text_link" or not entity.url:
            continue
        line = f"🔗 {entity.extract_from(text)}: {entity.url}"
        shown = mask_message(line)
        hidden = hidden or shown is not None
        lines.append(line if shown is None else shown)
    names = named(message)
    shown_names = [name_masked(line) for line in names]
    as_words = any(shown is not None for shown in shown_names)  # a copy carries them as they are
    if as_words:
        hidden = True
        pairs = zip(names, shown_names, strict=True)
        lines += [line if shown is None else shown for line, shown in pairs]
    return Masked("\n".join(line for line in lines if line), as_words) if hidden else None


_NAME_PARTS = re.compile(r"[_.-]+")  # a file's name read as words: gosms_password_x.txt
_NAMED_SECRET = re.compile(r"<(?:secret|card|iban)>")


def name_masked(line: str) -> str | None:
    """A name beside a message (``named``) with a secret a name points at, a card or an IBAN
    masked; None when it holds none. A long run of letters and digits alone is no reason: a
    file's name is one (IMG_20240501_123045.jpg, once masked as a token, kept the screenshot
    from the team: found by an attack)."""
    masked = mask_message(_NAME_PARTS.sub(" ", line))
    return masked if masked is not None and _NAMED_SECRET.search(masked) else None


def named(message: Message) -> list[str]:
    """What a copy of ``message`` shows beside its text or caption, as lines: a document's file
    name, a venue's title and address, a contact's name and card (an attack found a password in
    each, copied to the team as sent)."""
    lines = []
    if message.document is not None and message.document.file_name:
        lines.append(f"📎 {message.document.file_name}")
    if message.audio is not None and (message.audio.file_name or message.audio.title):
        lines.append(f"🎵 {message.audio.file_name or ''} {message.audio.title or ''}".rstrip())
    if message.venue is not None:
        lines.append(f"📍 {message.venue.title}, {message.venue.address}")
    if message.contact is not None:
        contact = message.contact
        lines.append(f"👤 {contact.first_name} {contact.last_name or ''}".rstrip())
        lines += (contact.vcard or "").splitlines()
    return lines


async def copy_to_topic(
    bot: Bot, message: Message, chat_id: int, topic_id: int, masked: Masked | None = None,
    note: str = "",
) -> None:  # fmt: skip
    """The person's message into their topic: as they sent it, or (``masked``: its text,
    caption or poll with the secrets hidden, bot/analytics/privacy.py) a text as that, with
    ``note`` below, or the media copied with that as its caption."""
    if masked is None:
        await bot.copy_message(chat_id, message.chat.id, message.message_id,
                               message_thread_id=topic_id)  # fmt: skip
        return
    # Else a text (a poll's: its words, masked; a document whose name holds a secret: its name,
    # masked, as no copy can carry another name).
    captioned = message.content_type in CAPTIONED and not masked.as_words
    limit = CAPTION_LIMIT if captioned else MESSAGE_LIMIT
    shown = _fitted(masked.text, HTML.italic(note), limit)
    if not captioned:
        await bot.send_message(chat_id, shown, message_thread_id=topic_id)
    else:
        await bot.copy_message(chat_id, message.chat.id, message.message_id,
                               message_thread_id=topic_id, caption=shown)  # fmt: skip


def _fitted(text: str, below: str, limit: int) -> str:
    """``text`` (plain) and ``below`` (HTML) in one message of at most ``limit``, ``text`` cut
    to fit."""
    end = len(text)
    while True:
        shown = f"{HTML.esc(text[:end])}{'…' if end < len(text) else ''}\n\n{below}"
        over = shown_length(shown) - limit
        if over <= 0 or end == 0:
            return shown
        end = max(0, end - over)


async def copy_to_person(bot: Bot, message: Message, user_id: int, signature: str | None) -> None:
    """A staff member's message to the person, as written; ``signature`` (plain text, e.g. "—
    Olga, support") below its text or caption where it fits, else in a short message before."""
    if signature is None:
        await bot.copy_message(user_id, message.chat.id, message.message_id)
        return
    signed = f"{message.html_text}\n\n<i>{HTML.esc(signature)}</i>".lstrip()
    if message.content_type == ContentType.TEXT and shown_length(signed) <= MESSAGE_LIMIT:
        await bot.send_message(user_id, signed)
    elif message.content_type in CAPTIONED and shown_length(signed) <= CAPTION_LIMIT:
        await bot.copy_message(user_id, message.chat.id, message.message_id, caption=signed)
    else:
        await bot.send_message(user_id, HTML.italic(signature))
        await bot.copy_message(user_id, message.chat.id, message.message_id)


def support_problem(is_forum: bool, member: object, kind: str = "supergroup") -> str | None:
    """What keeps the bot from serving the support chat, from getChat's ``is_forum`` and
    ``type`` (``kind``) and getChatMember's answer about the bot; None when nothing does."""
    if kind == "channel":  # no topics, and no Topics switch to turn on
        return "a channel cannot be a support chat: use a supergroup with Topics on"
    if isinstance(member, ChatMemberOwner):
        return None if is_forum else "the chat is not a forum: turn Topics on"
    if not isinstance(member, ChatMemberAdministrator):
        return "the bot is not an admin of the chat: make it one, with Manage topics"
    if not member.can_manage_topics:
        return "the bot may not manage topics: give it the Manage topics right"
    return None if is_forum else "the chat is not a forum: turn Topics on"
