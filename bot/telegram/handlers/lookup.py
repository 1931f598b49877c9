"""Questions, however they come: a private message, /code anywhere, a deep link, a group message
addressed to the bot or plainly naming a provider and a code. One handler answers them all; the
filters say what the question is and how it came."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.analytics.kinds import Channel
from bot.core.answer import Answer
from bot.core.i18n import Lang, t
from bot.core.markup import HTML
from bot.telegram.filters import AddressedToBot, ChatIs, CodeQuery, ConfidentLookup, PrivateQuestion
from bot.telegram.handlers import Done, Handled
from bot.telegram.replies import Replies

IN_GROUPS = ChatIs("group", "supergroup")


async def question(
    message: Message, query: str, channel: Channel, replies: Replies, answer: Answer | None = None
) -> Handled:
    """The answer, sent and recorded."""
    return await replies.answer(message, query, channel, answer)


async def code_usage(message: Message, lang: Lang) -> Handled:
    """A bare ``/code``: how to use it."""
    await message.reply(HTML.esc(t("code_usage", lang)))
    return Done.USAGE


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    # The common case first: most updates are private questions.
    router.message.register(question, PrivateQuestion())
    router.message.register(question, Command("code", ignore_case=True), CodeQuery())
    router.message.register(code_usage, Command("code", ignore_case=True))
    router.message.register(question, IN_GROUPS, AddressedToBot())
    router.message.register(question, IN_GROUPS, ConfidentLookup())
    # A private question corrected ("gosm 1004" to "gosms 1004") is answered as it reads now:
    # the edit was met with silence (found by an attack). Not in groups: a second answer there
    # is noise for everyone.
    router.edited_message.register(question, PrivateQuestion())
    return router
