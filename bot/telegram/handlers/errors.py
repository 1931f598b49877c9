"""Whatever a handler raises: logged with its traceback, and at most a short apology."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import ErrorEvent

from bot.core.i18n import language_for, t
from bot.core.markup import HTML

logger = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot) -> None:
    """Log the failure; tell the person something went wrong, if there is someone to tell."""
    update = event.update
    if isinstance(event.exception, TelegramForbiddenError):
        # The person blocked the bot, or it left the group: theirs, not a failure, and an
        # apology would be refused the same way.
        logger.warning(
            "update %s (%s): Telegram refuses to write there: %s",
            update.update_id,
            update.event_type,
            event.exception.message,
        )
        return
    logger.error(
        "update %s (%s) failed: %r",
        update.update_id,
        update.event_type,
        event.exception,
        exc_info=event.exception,
    )
    try:
        if update.callback_query is not None:
            lang = language_for(update.callback_query.from_user.language_code)
            await update.callback_query.answer(t("something_wrong", lang))
        elif update.message is not None:
            user = update.message.from_user
            lang = language_for(user.language_code if user else None)
            await bot.send_message(update.message.chat.id, HTML.esc(t("something_wrong", lang)))
    except Exception:  # the apology itself failed (network down, chat gone): why, in the log
        logger.warning(
            "could not tell the person about the failed update %s", update.update_id, exc_info=True
        )


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
