"""Questions: private messages, /code anywhere, and what a group addresses to the bot."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.analytics.writer import LookupLog
from bot.answer import Answer
from bot.i18n import Lang, t
from bot.library import Library
from bot.markup import HTML
from bot.telegram.filters import AddressedToBot, ChatIs, ConfidentLookup, PrivateQuestion
from bot.telegram.replies import Trace, send_answer

IN_GROUPS = ChatIs("group", "supergroup")


async def code_command(
    message: Message,
    command: CommandObject,
    library: Library,
    lookups: LookupLog,
    lang: Lang,
    trace: Trace,
) -> None:
    """``/code <query>`` (also ``/code@Bot``) in any chat."""
    if not command.args or not command.args.strip():
        await message.reply(HTML.esc(t("code_usage", lang)))
        trace.outcome = "usage"
        return
    answer = library.resolver.answer(command.args)
    await send_answer(
        message,
        answer,
        lang=lang,
        lookups=lookups,
        trace=trace,
        channel="command",
        text=command.args,
    )


async def private_question(
    message: Message, query: str, library: Library, lookups: LookupLog, lang: Lang, trace: Trace
) -> None:
    """In a private chat every text (or caption) is a question."""
    answer = library.resolver.answer(query)
    await send_answer(
        message, answer, lang=lang, lookups=lookups, trace=trace, channel="private", text=query
    )


async def group_question(
    message: Message, query: str, library: Library, lookups: LookupLog, lang: Lang, trace: Trace
) -> None:
    """A group message that mentions the bot or replies to it."""
    answer = library.resolver.answer(query)
    await send_answer(
        message, answer, lang=lang, lookups=lookups, trace=trace, channel="group", text=query
    )


async def group_chatter_with_a_code(
    message: Message, query: str, answer: Answer, lookups: LookupLog, lang: Lang, trace: Trace
) -> None:
    """A plain group message naming a provider and a code (or pasting a response)."""
    await send_answer(
        message, answer, lang=lang, lookups=lookups, trace=trace, channel="group", text=query
    )


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    # The common case first: most updates are private questions.
    router.message.register(private_question, PrivateQuestion())
    router.message.register(code_command, Command("code"))
    router.message.register(group_question, IN_GROUPS, AddressedToBot())
    router.message.register(group_chatter_with_a_code, IN_GROUPS, ConfidentLookup())
    return router
