"""Button presses: pick a candidate (the message becomes its answer), vote on an answer."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery

from bot.analytics.writer import LookupLog
from bot.answer import Answer, Match
from bot.i18n import Lang, t
from bot.render import render
from bot.telegram.filters import KnownEntry
from bot.telegram.keyboards import Pick, Vote, answer_keyboard
from bot.telegram.replies import Trace, lookup_of


async def pick(
    callback: CallbackQuery,
    match: Match,
    lookups: LookupLog,
    bot: Bot,
    lang: Lang,
    trace: Trace,
) -> None:
    """Edit the list into the full answer of the entry picked."""
    answer = Answer.showing(match, text=f"{match.slug} {match.entry.key}")
    where: dict[str, Any] | None = None
    if callback.inline_message_id is not None:
        where = {"inline_message_id": callback.inline_message_id}
    elif callback.message is not None:
        where = {"chat_id": callback.message.chat.id, "message_id": callback.message.message_id}
    if where is not None:
        try:
            await bot.edit_message_text(
                text=render(answer, lang)[0], reply_markup=answer_keyboard(answer, lang), **where
            )
        except TelegramBadRequest as exc:
            # A second press on the same button: the message already shows this answer.
            if "message is not modified" not in exc.message:
                raise
    await callback.answer()
    trace.outcome = answer.outcome.value
    chat = callback.message.chat.type if callback.message is not None else "inline"
    lookups.record(
        lookup_of(
            answer,
            channel="button",
            chat_type=chat,
            user_id=callback.from_user.id,
            text=answer.query.text,
            started=trace.started,
        )
    )


async def vote(
    callback: CallbackQuery,
    callback_data: Vote,
    match: Match,
    lookups: LookupLog,
    lang: Lang,
    trace: Trace,
) -> None:
    """One vote per person and answer; pressing again changes it."""
    lookups.vote(callback.from_user.id, match.slug, match.entry.key, callback_data.up)
    await callback.answer(t("vote_thanks_up" if callback_data.up else "vote_thanks_down", lang))
    trace.outcome = "vote"


async def unknown_button(callback: CallbackQuery, lang: Lang, trace: Trace) -> None:
    """A button from an older version of the bot, or data nobody should have sent."""
    await callback.answer(t("stale_button", lang), show_alert=True)
    trace.outcome = "stale"


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.callback_query.register(pick, Pick.filter(), KnownEntry())
    router.callback_query.register(vote, Vote.filter(), KnownEntry())
    router.callback_query.register(unknown_button)
    return router
