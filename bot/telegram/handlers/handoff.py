"""The person's side of handoff (SUPPORT_CHAT_ID set; without it this router is not there and
/human is an unknown command): /human and the "🙋 Talk to a person" button hand the person to
the team; while their conversation is live, whatever they send in private is copied into their
topic rather than answered (a text or caption holding what looks like a secret, or a link behind
a word whose URL holds one: with it hidden, and the person told once); after /close, their
👍 / 👎 is kept."""

from __future__ import annotations

import logging
import time
from typing import Any

from aiogram import Bot, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatAction
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
)
from aiogram.filters import BaseFilter, Command
from aiogram.types import CallbackQuery, Message, Update, User

from bot.analytics.privacy import ends_naming_secret, pseudonym
from bot.core.i18n import Lang, t
from bot.core.library import Library
from bot.core.markup import HTML
from bot.handoff.conversation import Asked, Conversation, State, Verdict, in_chat
from bot.store import StorageUnavailable
from bot.telegram.desk import SupportDesk
from bot.telegram.filters import ChatIs, message_text
from bot.telegram.handlers import Done, Handled
from bot.telegram.handlers.admin import ADMIN_COMMANDS
from bot.telegram.keyboards import Human, Solved
from bot.telegram.person import answer_tap, cannot_write, latest_entry
from bot.telegram.relay import (
    HANDLED,
    NOT_COPIED,
    copy_to_topic,
    into_topic,
    masked_for_team,
    refused_alone,
    unreachable,
)

logger = logging.getLogger(__name__)


class InConversation(BaseFilter):
    """A private message (or an edit of one; not one of the bot's /commands: ``/var/log`` or
    ``/foo`` is words for the team) from a person whose conversation with the team is live:
    ``conversation`` is it. When the database cannot say, ``conversation`` is None: the
    person is told, and the message is answered as a question."""

    async def __call__(self, message: Message, desk: SupportDesk) -> bool | dict[str, Any]:
        if message.chat.type != "private" or message.from_user is None:
            return False
        if bots_command(message.text) or message.content_type not in HANDLED:
            return False
        try:
            conversation = await desk.store.live_conversation(message.from_user.id)
        except StorageUnavailable as exc:
            logger.warning("handoff: a private message taken as a question (database): %s", exc)
            return {"conversation": None}
        return {"conversation": conversation} if conversation is not None else False


# The commands that stay the bot's while a person talks with the team (admins' included).
COMMANDS = frozenset({"start", "help", "providers", "code", "human", *ADMIN_COMMANDS})


def bots_command(text: str | None) -> bool:
    """Whether ``text`` is one of the bot's commands (``/help``, ``/code@codebook_bot 1004``)."""
    if not text or not text.startswith("/"):
        return False
    name = text[1:].split(maxsplit=1)[0].partition("@")[0] if len(text) > 1 else ""
    return name.lower() in COMMANDS


async def human_command(message: Message, desk: SupportDesk, bot: Bot, lang: Lang) -> Handled:
    """/human: to the team, about the person's latest lookup."""
    assert message.from_user is not None
    try:
        about = await latest_entry(desk, message.from_user.id)
    except StorageUnavailable as exc:
        return await _database_down(bot, message.from_user.id, lang, exc)
    done, _ = await hand_over(bot, desk, message.from_user, lang, about)
    return done


async def human_button(
    callback: CallbackQuery, callback_data: Human, desk: SupportDesk, library: Library, bot: Bot,
    lang: Lang,
) -> Handled:  # fmt: skip
    """The button under an answer: to the team, about the answer's entry. Someone the bot
    cannot write to (the button pressed in a group by one who never opened a private chat with
    it) is told so in the tap's answer, and nothing reaches the team."""
    user = callback.from_user
    try:
        await bot.send_chat_action(user.id, ChatAction.TYPING)  # can it write to them?
    except TelegramForbiddenError:
        await answer_tap(callback, t("handoff_start_first", lang), alert=True)
        return Done.NO_PRIVATE
    except (TelegramAPIError, TelegramNetworkError) as exc:
        logger.info("handoff: the typing sign was not shown: %s", exc)
    found = library.resolver.catalog.by_ref.get(callback_data.ref) if callback_data.ref else None
    about = (found[0].provider.slug, found[1].key) if found is not None else None
    done, said = await hand_over(bot, desk, user, lang, about, tapped=True)
    alert = done is Done.NO_PRIVATE
    await answer_tap(callback, t("handoff_start_first", lang) if alert else said, alert=alert)
    return done


async def hand_over(
    bot: Bot, desk: SupportDesk, user: User, lang: Lang, about: tuple[str, str] | None,
    *, tapped: bool = False,
) -> tuple[Handled, str | None]:  # fmt: skip
    """Ask the desk, and tell the person where their request stands (to try again later when
    the database cannot be used); and what to show them in place of that when it could not be
    sent for a moment (the team has the request: they are not asked to try again). A person
    the bot cannot write to has their conversation closed, and the topic is told. A tap while
    another is posting the request (``tapped``, a double tap) is answered on the button alone:
    ten taps, one message."""
    try:
        conversation, asked = await desk.ask(
            bot, user.id, user.first_name, user.username, lang, about
        )
    except StorageUnavailable as exc:
        return await _database_down(bot, user.id, lang, exc), None
    if asked is Asked.KEPT:
        done, said = Done.KEPT, t("handoff_unreachable", lang)
    else:
        done = Done.HANDED
        said = " ".join(filter(None, (t(f"handoff_{asked.value}", lang), desk.expect(lang))))
    if tapped and asked is Asked.UNDER_WAY:
        return done, said
    try:
        await bot.send_message(user.id, HTML.esc(said))
    except TelegramForbiddenError:
        await cannot_write(bot, desk, conversation)
        return Done.NO_PRIVATE, None
    except (TelegramAPIError, TelegramNetworkError) as exc:
        logger.warning("handoff: the person of conversation %s was not told where their "
                       "request stands: %s", conversation.id, exc)  # fmt: skip
        return done, said
    return done, None


async def _database_down(bot: Bot, user_id: int, lang: Lang, exc: Exception) -> Handled:
    logger.warning("handoff: a request for a person refused (database): %s", exc)
    await bot.send_message(user_id, HTML.esc(t("handoff_db_down", lang)))
    return Done.UNAVAILABLE


async def from_person(
    message: Message, conversation: Conversation | None, desk: SupportDesk, bot: Bot,
    lang: Lang, event_update: Update, *, edited: bool = False,
) -> Handled:  # fmt: skip
    """What the person sends while their conversation is live: copied into their topic (a new
    one, with the card again, if staff deleted theirs); when the support chat cannot take it,
    the person is told to send it again later. When the database cannot say whether they are
    talking with the team (``conversation`` None), they are told so and answered as usual."""
    assert message.from_user is not None
    if conversation is None:
        await message.answer(HTML.esc(t("handoff_db_unsure", lang)))
        raise SkipHandler  # the lookup's handler answers it
    if message.content_type in NOT_COPIED:  # a story, a giveaway: Telegram copies none
        await message.answer(HTML.esc(t("handoff_not_copied", lang)))
        return Done.NOT_RELAYED
    if conversation.state is State.WAITING:
        return await _not_passed(message, conversation, lang)
    try:
        claimed = await desk.store.claim_relay(event_update.update_id, time.time())
    except StorageUnavailable as exc:
        logger.warning("handoff: a message of conversation %s not passed on (database): %s",
                       conversation.id, exc)  # fmt: skip
        await message.answer(HTML.esc(t("handoff_db_down", lang)))
        return Done.NOT_RELAYED
    if not claimed:
        return Done.DUPLICATE
    try:
        await desk.store.conversation_active(conversation.id, time.time())
        return await _copy(message, conversation, desk, bot, lang, edited=edited)
    except BaseException:
        await desk.store.release_relay(event_update.update_id)
        raise


async def _copy(
    message: Message, conversation: Conversation, desk: SupportDesk, bot: Bot, lang: Lang,
    *, edited: bool,
) -> Handled:  # fmt: skip
    user = message.from_user
    assert user is not None

    masked = masked_for_team(message, after_name=conversation.id in desk.secret_named)
    # "мой пароль:": its value may come in the next one
    if ends_naming_secret(message_text(message) or ""):
        desk.secret_named.add(conversation.id)
    else:
        desk.secret_named.discard(conversation.id)
    hidden = t("handoff_masked_team", desk.team)

    async def send(topic: int) -> None:
        if edited:  # copied as it reads now, after a word that it was edited
            said = HTML.esc(t("handoff_edited", desk.team))
            await bot.send_message(desk.chat, said, message_thread_id=topic)
        await copy_to_topic(bot, message, desk.chat, topic, masked, hidden)

    try:
        topic, closed = in_chat(conversation, desk.chat), conversation.topic_closed
        if await into_topic(bot, desk.chat, topic, send, closed=closed):
            if closed:  # reopened for this message
                await desk.store.topic_closed(conversation.id, False)
        else:
            logger.info(
                "handoff: conversation %s has no topic in the support chat now (deleted, or the "
                "team moved to another chat); a new one is opened",
                conversation.id,
            )
            conversation = await desk.topic_lost(bot, conversation, user.first_name, user.username)
            topic = in_chat(conversation, desk.chat)
            if conversation.state is State.CLOSED:
                # Staff closed it while this message was on its way (and deleted the topic):
                # no outage to speak of (the person was told "cannot be reached": an attack).
                await message.answer(HTML.esc(t("handoff_closed_meanwhile", lang)))
                return Done.NOT_RELAYED
            if topic is None or conversation.state is not State.OPEN:
                return await _not_passed(message, conversation, lang)
            await send(topic)
    except (TelegramAPIError, TelegramNetworkError) as exc:
        if refused_alone(exc):
            # This message alone was refused (deleted before it was copied, a kind Telegram
            # will not copy): the person is told; the conversation and the chat are as they were.
            logger.warning(
                "handoff: Telegram would not copy a message of conversation %s: %s",
                conversation.id,
                exc.message,
            )
            await message.answer(HTML.esc(t("handoff_refused", lang)))
            return Done.NOT_RELAYED
        if not unreachable(exc):
            raise
        conversation = await desk.keep(conversation, exc)
        return await _not_passed(message, conversation, lang)
    desk.relayed["to_team"] += 1
    if masked is not None and conversation.id not in desk.told_masked:
        desk.told_masked.add(conversation.id)  # once a conversation (in this process)
        await message.answer(HTML.esc(t("handoff_masked", lang)))
    return Done.RELAYED


async def edited_by_person(
    edited_message: Message, conversation: Conversation | None, desk: SupportDesk, bot: Bot,
    lang: Lang, event_update: Update,
) -> Handled:  # fmt: skip
    """A message the person edited while their conversation is live: copied again, as it
    reads now, after a word that it was edited (Telegram cannot edit the copy in the topic)."""
    if conversation is None:  # the database cannot say: the edit is the bot's as usual
        raise SkipHandler
    if edited_message.location is not None:  # a live location moving: no copy each time
        return Done.NOT_RELAYED
    return await from_person(edited_message, conversation, desk, bot, lang, event_update,
                             edited=True)  # fmt: skip


async def _not_passed(message: Message, conversation: Conversation, lang: Lang) -> Handled:
    """The support chat cannot take the person's message now: they are told, and the log says
    so (the message itself is not kept: messages are relayed, never stored)."""
    logger.warning(
        "handoff: a message of conversation %s not passed on (the support chat cannot be "
        "reached); the person was told to send it again",
        conversation.id,
    )
    await message.answer(HTML.esc(t("handoff_not_passed", lang)))
    return Done.NOT_RELAYED


async def verdict(
    callback: CallbackQuery, callback_data: Solved, desk: SupportDesk, bot: Bot, lang: Lang
) -> Handled:
    """👍 / 👎 under "Did we solve your problem?": kept (the first press counts: a later one,
    or one on an older conversation's question, is answered as such), and said in the
    conversation's topic."""
    said = Verdict.SOLVED if callback_data.up else Verdict.NOT_SOLVED
    person = await pseudonym(desk.lookups, callback.from_user.id)
    kept = person is not None and await desk.store.conversation_verdict(
        callback_data.conversation, person, said
    )
    if not kept:
        await callback.answer(t("handoff_verdict_stale", lang))
        return Done.STALE
    thanks = t(f"handoff_thanks_{said.value}", lang)
    await callback.answer(thanks)
    if isinstance(callback.message, Message):
        try:
            await callback.message.edit_text(HTML.esc(thanks))
        except TelegramBadRequest as exc:
            logger.info("handoff: the verdict's message was left as it was: %s", exc)
    conversation = await desk.store.conversation(callback_data.conversation)
    if conversation is not None and conversation.topic_id is not None:
        try:
            text = HTML.esc(t(f"handoff_verdict_{said.value}", desk.team))
            await bot.send_message(desk.chat, text, message_thread_id=conversation.topic_id)
        except TelegramAPIError as exc:
            logger.info("handoff: the verdict was not said in the topic: %s", exc)
    return Done.VERDICT


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.message.register(human_command, Command("human", ignore_case=True), ChatIs("private"))
    router.message.register(from_person, InConversation())
    router.edited_message.register(edited_by_person, InConversation())
    router.callback_query.register(human_button, Human.filter())
    router.callback_query.register(verdict, Solved.filter())
    return router
