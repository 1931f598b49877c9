"""/start (with deep links), /help and /providers."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.core.i18n import Lang, t, t_list
from bot.core.library import Library
from bot.core.markup import HTML, split_messages
from bot.core.render import help_paragraphs, providers_paragraphs
from bot.telegram.filters import DeepLinkQuery, LooksLikeCommand
from bot.telegram.handlers import Done, Handled
from bot.telegram.handlers.lookup import question


async def start(message: Message, lang: Lang) -> Handled:
    """A greeting with three examples."""
    examples = "\n".join(f"• {HTML.code(e)}" for e in t_list("start_examples"))
    await message.answer(f"{HTML.esc(t('start_greeting', lang))}\n{examples}")
    return Done.GREETED


async def help_command(message: Message, library: Library, bot: Bot, lang: Lang) -> Handled:
    """Every form of question, with examples."""
    me = await bot.me()
    known = library.resolver.known
    for part in split_messages(help_paragraphs(known, lang, HTML, me.username or "")):
        await message.answer(part)
    return Done.HELP


async def providers_command(message: Message, library: Library, lang: Lang) -> Handled:
    """The providers, their number of codes and their docs."""
    for part in split_messages(providers_paragraphs(library.resolver.catalog, lang, HTML)):
        await message.answer(part)
    return Done.PROVIDERS


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.message.filter(LooksLikeCommand())
    # t.me/<bot>?start=gosms_1004 opens that answer.
    router.message.register(
        question, CommandStart(deep_link=True, ignore_case=True), DeepLinkQuery()
    )
    router.message.register(start, CommandStart(ignore_case=True))
    router.message.register(help_command, Command("help", ignore_case=True))
    router.message.register(providers_command, Command("providers", ignore_case=True))
    return router
