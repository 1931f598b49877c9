"""Buttons: pick a candidate (the message becomes its answer), vote on an answer."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery

from bot.analytics.writer import LookupLog
from bot.core.answer import Match
from bot.core.i18n import Lang, t
from bot.telegram.filters import KnownEntry
from bot.telegram.handlers import Done, Handled
from bot.telegram.keyboards import Pick, Vote
from bot.telegram.replies import Replies
from bot.telegram.services import Services


async def pick(callback: CallbackQuery, match: Match, replies: Replies, bot: Bot) -> Handled:
    """Edit the list into the full answer of the entry picked."""
    return await replies.show(callback, match, bot)


async def vote(
    callback: CallbackQuery,
    callback_data: Vote,
    match: Match,
    lookups: LookupLog,
    services: Services,
    lang: Lang,
) -> Handled:
    """One vote per person and answer; pressing again changes it (a double tap counts once)."""
    person = callback.from_user.id
    if await services.vote_lock.first(person, callback_data.ref, int(callback_data.up)):
        lookups.vote(person, match.slug, match.entry.key, callback_data.up)
    await callback.answer(t("vote_thanks_up" if callback_data.up else "vote_thanks_down", lang))
    return Done.VOTE


async def unknown_button(callback: CallbackQuery, lang: Lang) -> Handled:
    """A button from an older version of the bot, or data nobody should have sent."""
    await callback.answer(t("stale_button", lang), show_alert=True)
    return Done.STALE


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.callback_query.register(pick, Pick.filter(), KnownEntry())
    router.callback_query.register(vote, Vote.filter(), KnownEntry())
    router.callback_query.register(unknown_button)
    return router
