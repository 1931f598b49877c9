"""Conversations gone quiet: an open one with no message either way for SUPPORT_IDLE_DAYS is
closed, as /close would (the raw id goes), the person told how to ask again, the topic told
why and closed; so that the conversations open now are the ones going on."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError

from bot.core.i18n import language_for, t
from bot.core.markup import HTML

if TYPE_CHECKING:
    from bot.telegram.desk import SupportDesk

logger = logging.getLogger(__name__)

DAY = 86400.0


async def close_idle(desk: SupportDesk, bot: Bot) -> int:
    """Close the open conversations idle for ``desk.idle_days``; how many this call closed
    (of several replicas, the one whose close took each says it)."""
    now = time.time()
    before = now - desk.idle_days * DAY
    closed = 0
    for conversation in await desk.store.idle_conversations(before):
        user = conversation.user_id
        if not await desk.store.close_idle_conversation(conversation.id, before, now):
            continue  # closed meanwhile (/close, another replica), or a message came since
        if user is None:
            continue
        closed += 1
        logger.info("handoff: conversation %s closed, idle", conversation.id)
        days = desk.idle_days
        person = t("handoff_idle_closed", language_for(conversation.lang)).format(days=days)
        team = t("handoff_idle_closed_team", desk.team).format(days=days)
        topic = conversation.topic_id if conversation.topic_chat_id in (None, desk.chat) else None
        try:
            await bot.send_message(user, HTML.esc(person))
        except (TelegramAPIError, TelegramNetworkError) as exc:
            logger.info("handoff: the person was not told of the idle close: %s", exc)
        if topic is None:
            continue
        try:
            await bot.send_message(desk.chat, HTML.esc(team), message_thread_id=topic)
            await bot.close_forum_topic(desk.chat, topic)
        except (TelegramAPIError, TelegramNetworkError) as exc:
            logger.info("handoff: topic %s not told of the idle close: %s", topic, exc)
    return closed
