"""The person's side of handoff, apart from the handlers: what /human is about, a tap
answered, and a person the bot cannot write to."""

from __future__ import annotations

import logging
import time
from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import CallbackQuery

from bot.analytics.privacy import pseudonym
from bot.core.catalog import entry_ref
from bot.core.i18n import t
from bot.core.markup import HTML
from bot.handoff.card import RECENT_SECONDS
from bot.handoff.conversation import Conversation, State, in_chat
from bot.store import StorageUnavailable
from bot.telegram.desk import SupportDesk

logger = logging.getLogger(__name__)


async def latest_entry(desk: SupportDesk, user_id: int) -> tuple[str, str] | None:
    """The entry of the person's latest lookup of the last day, if it found one (/human's);
    StorageUnavailable when the database cannot say."""
    await desk.lookups.flush()
    person = await pseudonym(desk.lookups, user_id)
    if person is None:
        return None
    now = time.time()
    for _, _, _, provider, key in await desk.store.recent_lookups(
        person, now - RECENT_SECONDS, now, 1
    ):
        if provider and key and entry_ref(provider, key) in desk.library.resolver.catalog.by_ref:
            return provider, key
    return None


async def cannot_write(bot: Bot, desk: SupportDesk, conversation: Conversation) -> None:
    """The person cannot be written to: the conversation is closed (its raw id goes, nothing
    is retried), and its topic, if it has one, is told why."""
    logger.warning("handoff: conversation %s closed: the bot cannot write to the person",
                   conversation.id)  # fmt: skip
    try:
        await desk.store.close_conversation(conversation.id, time.time())
    except StorageUnavailable as exc:
        logger.warning("handoff: conversation %s not closed (database): %s", conversation.id, exc)
    topic = in_chat(conversation, desk.chat) if conversation.state is State.OPEN else None
    if topic is not None:
        with suppress(TelegramAPIError, TelegramNetworkError):
            text = HTML.esc(t("handoff_cannot_write", desk.team))
            await bot.send_message(desk.chat, text, message_thread_id=topic)


async def answer_tap(callback: CallbackQuery, text: str | None, *, alert: bool = False) -> None:
    """Answer the tap (a toast, or an alert), within Telegram's 200 characters; one answered
    too late is no fault."""
    if text is not None and len(text) > 200:
        text = text[:199] + "…"
    with suppress(TelegramAPIError, TelegramNetworkError):
        await callback.answer(text, show_alert=alert)
