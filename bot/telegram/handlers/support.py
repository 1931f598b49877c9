"""The team's side of handoff, in the person's topic in SUPPORT_CHAT_ID: what staff write is
copied to the person (signed with SUPPORT_SIGNATURES); ``gosms 1004`` shows them the entry and
the team's notes (the person sees nothing); ``/send gosms 1004`` sends the person the entry in
their language; ``/close`` ends the conversation and asks the person whether it is solved.
Staff are never limited (flood control leaves the support chat alone)."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.types import ChatMemberUpdated, Message, Update

from bot.core.answer import Answer
from bot.core.i18n import language_for, t
from bot.core.library import Library
from bot.core.markup import HTML, one_line, split_messages
from bot.core.render import entry_heading, entry_label, render
from bot.handoff.conversation import Conversation, State
from bot.store import StorageUnavailable
from bot.telegram.desk import SupportDesk
from bot.telegram.handlers import Done, Handled
from bot.telegram.handlers.handoff import bots_command
from bot.telegram.keyboards import answer_keyboard, verdict_keyboard
from bot.telegram.relay import RELAYED, copy_to_person, topic_gone

logger = logging.getLogger(__name__)


class InTopic(BaseFilter):
    """A message in a topic of the support chat that holds a conversation: ``conversation``
    is the topic's latest (closed, perhaps); None when the database cannot say."""

    async def __call__(self, message: Message, desk: SupportDesk) -> bool | dict[str, Any]:
        if message.chat.id != desk.chat or not message.is_topic_message:
            return False
        if message.message_thread_id is None or message.content_type not in RELAYED:
            return False
        anonymous = message.sender_chat is not None and message.sender_chat.id == desk.chat
        if message.from_user is not None and message.from_user.is_bot and not anonymous:
            return False  # another bot's (an admin writing as the group is not)
        try:
            conversation = await desk.store.topic_conversation(desk.chat, message.message_thread_id)
        except StorageUnavailable as exc:
            logger.warning("handoff: a message in topic %s not handled (database): %s",
                           message.message_thread_id, exc)  # fmt: skip
            return {"conversation": None}
        return {"conversation": conversation} if conversation is not None else False


class EntryAsked(BaseFilter):
    """Text that is nothing but a catalog entry (``gosms 1004``): the team asks the bot, it
    is not a reply to the person. ``answer`` is the entry."""

    async def __call__(self, message: Message, library: Library) -> bool | dict[str, Any]:
        if message.text is None or message.text.startswith("/"):
            return False
        answer = library.resolver.answer(message.text)
        if not answer.confident or answer.query.meaningful_words or answer.query.payload:
            return False
        return {"answer": answer}


async def show_entry(message: Message, answer: Answer, desk: SupportDesk) -> Handled:
    """The entry for the team (in TEAM_LANG), with the team's notes; the person sees nothing."""
    parts = render(answer, desk.team)
    notes = [
        f"{HTML.bold(t('handoff_card_notes', desk.team))} {HTML.code(entry_label(m))}\n"
        f"{HTML.esc(text)}"
        for m in answer.matches
        if (text := desk.library.notes.about(m.slug, m.entry.key))
    ]
    for part in [*parts, *split_messages(notes)] if notes else parts:
        await message.reply(part)
    return Done.STAFF_CARD


async def send_entry(
    message: Message, command: CommandObject, conversation: Conversation, desk: SupportDesk,
    library: Library, bot: Bot,
) -> Handled:  # fmt: skip
    """``/send gosms 1004``: the entry to the person, in their language, with its buttons."""
    if (closed := await _closed(message, conversation, desk)) is not None:
        return closed
    asked = (command.args or "").strip()
    if not asked:
        await message.reply(HTML.esc(t("handoff_send_usage", desk.team)))
        return Done.USAGE
    answer = library.resolver.answer(asked)
    if not answer.matches:
        text = t("handoff_send_nothing", desk.team).format(text=one_line(asked, 80))
        await message.reply(HTML.esc(text))
        return Done.USAGE
    lang = language_for(conversation.lang)
    assert conversation.user_id is not None
    messages, keyboard = render(answer, lang), answer_keyboard(answer, lang)
    try:
        for number, part in enumerate(messages, 1):
            markup = keyboard if number == len(messages) else None
            await bot.send_message(conversation.user_id, part, reply_markup=markup)
    except TelegramForbiddenError:
        return await _blocked(message, conversation, desk)
    await desk.store.conversation_replied(conversation.id, time.time())
    await desk.store.conversation_active(conversation.id, time.time())
    names = ", ".join(entry_heading(m, desk.team) for m in answer.matches)
    await message.reply(HTML.esc(t("handoff_sent", desk.team).format(entry=names)))
    return Done.SENT


async def close(
    message: Message, conversation: Conversation, desk: SupportDesk, bot: Bot
) -> Handled:
    """``/close``: the conversation ends (the raw id goes), written first: then, once, the
    person is asked "Did we solve it?", and the topic is closed (reopened by the person's next
    /human). When the close cannot be written, staff are told and the person nothing."""
    if (closed := await _closed(message, conversation, desk)) is not None:
        return closed
    assert conversation.user_id is not None and conversation.topic_id is not None
    try:
        ended = await desk.store.close_conversation(conversation.id, time.time())
    except StorageUnavailable as exc:
        logger.warning("handoff: conversation %s not closed (database): %s", conversation.id, exc)
        await message.reply(HTML.esc(t("handoff_close_failed", desk.team)))
        return Done.UNAVAILABLE
    if not ended:  # another /close (or replica) just now: it asked the person
        await message.reply(HTML.esc(t("handoff_closed_already", desk.team)))
        return Done.NOT_RELAYED
    lang = language_for(conversation.lang)
    done = "handoff_closed_done"
    try:
        question = HTML.esc(t("handoff_closed_ask", lang))
        keyboard = verdict_keyboard(conversation.id, lang)
        await bot.send_message(conversation.user_id, question, reply_markup=keyboard)
    except TelegramForbiddenError:
        logger.warning("handoff: the person of conversation %s has blocked the bot",
                       conversation.id)  # fmt: skip
        done = "handoff_closed_blocked"
    await message.reply(HTML.esc(t(done, desk.team)))
    try:
        await bot.close_forum_topic(desk.chat, conversation.topic_id)
    except TelegramBadRequest as exc:
        if not topic_gone(exc) and "topic_not_modified" not in exc.message.lower():
            logger.warning("handoff: topic %s not closed: %s", conversation.topic_id, exc)
    return Done.CLOSED


async def to_person(
    message: Message, conversation: Conversation, desk: SupportDesk, bot: Bot,
    event_update: Update, edited: bool = False,
) -> Handled:  # fmt: skip
    """What staff write in the topic, copied to the person (the first reply is timed);
    ``edited``: a reply staff edited, copied again as it reads now after a word that it was
    (Telegram cannot edit the copy the person has)."""
    if (closed := await _closed(message, conversation, desk)) is not None:
        return closed
    if not await desk.store.claim_relay(event_update.update_id, time.time()):
        return Done.DUPLICATE
    await desk.store.conversation_active(conversation.id, time.time())
    assert conversation.user_id is not None
    signature = None
    staff = message.from_user
    if desk.signatures and staff is not None and not staff.is_bot and message.sender_chat is None:
        signature = t("handoff_signature", language_for(conversation.lang)).format(
            name=staff.first_name
        )
    try:
        if edited:
            said = t("handoff_staff_edited", language_for(conversation.lang))
            await bot.send_message(conversation.user_id, HTML.esc(said))
        await copy_to_person(bot, message, conversation.user_id, signature)
    except TelegramForbiddenError:
        return await _blocked(message, conversation, desk)
    except BaseException:
        await desk.store.release_relay(event_update.update_id)
        raise
    desk.relayed["to_person"] += 1
    try:
        await desk.store.conversation_replied(conversation.id, time.time())
    except StorageUnavailable as exc:  # delivered: staff are not told otherwise
        logger.warning(
            "handoff: a reply in conversation %s delivered, its time not written (database): %s",
            conversation.id,
            exc,
        )
    return Done.RELAYED


async def edited_by_staff(
    edited_message: Message, conversation: Conversation, desk: SupportDesk, bot: Bot,
    event_update: Update,
) -> Handled:  # fmt: skip
    """A reply staff edited: the person gets it again as it reads now (an attack found the
    edit never reached them, and staff not told). A live location's moves (edits, every few
    seconds) are not copies of a reply."""
    if edited_message.location is not None:
        return Done.NOT_RELAYED
    return await to_person(edited_message, conversation, desk, bot, event_update, edited=True)


async def topic_toggled(message: Message, desk: SupportDesk) -> Handled | None:
    """Staff closed (or reopened) a live conversation's topic in Telegram rather than with
    /close: the conversation goes on, and the person's next message reopens the topic; the team
    is told so."""
    if message.message_thread_id is None:
        return None
    closed = message.forum_topic_closed is not None
    try:
        conversation = await desk.store.topic_conversation(desk.chat, message.message_thread_id)
        if conversation is None or conversation.state is State.CLOSED:
            return None
        await desk.store.topic_closed(conversation.id, closed)
    except StorageUnavailable as exc:  # copies still reach it (or TOPIC_CLOSED reopens it)
        logger.warning("handoff: topic %s closed or reopened unrecorded (database): %s",
                       message.message_thread_id, exc)  # fmt: skip
        return Done.UNAVAILABLE
    if closed:
        await message.answer(HTML.esc(t("handoff_topic_closed_here", desk.team)))
    return Done.TOPIC


async def not_delivered(message: Message, desk: SupportDesk) -> Handled:
    """The database cannot be used: staff are told in the topic that this was not delivered."""
    await message.reply(HTML.esc(t("handoff_db_down_team", desk.team)))
    return Done.UNAVAILABLE


async def no_conversation(message: Message, desk: SupportDesk) -> Handled:
    """/send or /close where no conversation is (another topic, the General one)."""
    await message.reply(HTML.esc(t("handoff_no_conversation", desk.team)))
    return Done.USAGE


async def rights_changed(event: ChatMemberUpdated, desk: SupportDesk) -> Handled:
    """The bot's rights in the support chat changed (it was made an admin again, say): kept
    requests are tried now rather than at the next round."""
    logger.info("handoff: the bot is now %s in the support chat", event.new_chat_member.status)
    desk.wake()
    return Done.RIGHTS


async def _closed(
    message: Message, conversation: Conversation, desk: SupportDesk
) -> Handled | None:
    """None while the conversation is live; else the team is told the person will not see it."""
    if conversation.state is not State.CLOSED:
        return None
    await message.reply(HTML.esc(t("handoff_closed_topic", desk.team)))
    return Done.NOT_RELAYED


async def _blocked(message: Message, conversation: Conversation, desk: SupportDesk) -> Handled:
    """The person blocked the bot: the team is told in the topic, and the log says so."""
    logger.warning("handoff: the person of conversation %s has blocked the bot", conversation.id)
    await message.reply(HTML.esc(t("handoff_blocked", desk.team)))
    return Done.NOT_RELAYED


def create_router() -> Router:
    """This module's handlers, in the order they are tried (the support chat's only)."""
    router = Router(name=__name__)
    router.my_chat_member.register(rights_changed, _SupportChat())
    router.message.register(not_delivered, InTopic(), _Unknown())
    router.message.register(close, Command("close", ignore_case=True), InTopic())
    router.message.register(send_entry, Command("send", ignore_case=True), InTopic())
    router.message.register(show_entry, InTopic(), EntryAsked())
    router.message.register(to_person, InTopic(), _NotCommand())
    router.edited_message.register(not_delivered, InTopic(), _Unknown())
    # What was never the person's (an entry the team asked the bot, a command) is not theirs
    # once edited either (found by a second attack).
    router.edited_message.register(edited_by_staff, InTopic(), _NotCommand(), ~EntryAsked())
    router.message.register(
        no_conversation, Command("send", "close", ignore_case=True), _InSupport()
    )
    toggled = F.forum_topic_closed | F.forum_topic_reopened
    router.message.register(topic_toggled, toggled, _InSupport())
    return router


class _SupportChat(BaseFilter):
    async def __call__(self, event: ChatMemberUpdated, desk: SupportDesk) -> bool:
        return event.chat.id == desk.chat


class _Unknown(BaseFilter):
    async def __call__(self, message: Message, conversation: Conversation | None) -> bool:
        return conversation is None


class _InSupport(BaseFilter):
    async def __call__(self, message: Message, desk: SupportDesk) -> bool:
        return message.chat.id == desk.chat


STAFF_COMMANDS = frozenset({"close", "send"})
_TO_A_BOT = re.compile(r"/\w{1,32}@\w{3,32}")
# The bot's commands that take no words: followed by words in a topic, they are words for the
# person ("/start the app again" was answered to staff as a lookup of "the app again": found by
# an attack). Addressed to the bot (/help@codebook_bot) they stay commands.
_WORDLESS = frozenset({"start", "help", "providers", "human"})


class _NotCommand(BaseFilter):
    """Not one of the bot's commands: "/etc/hosts looks wrong on your side" is words for the
    person (an attack found such a reply dropped without a word to staff)."""

    async def __call__(self, message: Message) -> bool:
        text = message.text or ""
        first, *words = text.split(maxsplit=1) if text.startswith("/") else [""]
        if bots_command(text):
            return bool(words) and first[1:].lower() in _WORDLESS
        # /close and /send (in any case), or a command addressed to a bot (/close@other_bot;
        # not a path, "/home/anna@corp is full").
        return not (_TO_A_BOT.fullmatch(first) or first[1:].lower() in STAFF_COMMANDS)
