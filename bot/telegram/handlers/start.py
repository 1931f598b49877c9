"""/start (with deep links), /help and /providers."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from bot.analytics.writer import LookupLog
from bot.i18n import Lang, t, t_list
from bot.library import Library
from bot.markup import HTML, split_messages
from bot.render import help_paragraphs, providers_paragraphs
from bot.telegram.filters import LooksLikeCommand
from bot.telegram.replies import Trace, send_answer


async def start_with_payload(
    message: Message,
    command: CommandObject,
    library: Library,
    lookups: LookupLog,
    lang: Lang,
    trace: Trace,
) -> None:
    """``t.me/<bot>?start=gosms_1004`` opens that answer."""
    payload = command.args or ""
    slug, _, rest = payload.partition("_")
    text = f"{slug} {rest}" if rest and slug in library.resolver.catalog.providers else payload
    answer = library.resolver.answer(text)
    await send_answer(
        message, answer, lang=lang, lookups=lookups, trace=trace, channel="deep_link", text=text
    )


async def start(message: Message, lang: Lang, trace: Trace) -> None:
    """A greeting with three examples."""
    examples = "\n".join(f"• {HTML.code(e)}" for e in t_list("start_examples"))
    await message.answer(f"{HTML.esc(t('start_greeting', lang))}\n{examples}")
    trace.outcome = "greeted"


async def help_command(
    message: Message, library: Library, bot: Bot, lang: Lang, trace: Trace
) -> None:
    """Every form of question, with examples."""
    me = await bot.me()
    known = library.resolver.known
    for part in split_messages(help_paragraphs(known, lang, HTML, me.username or "")):
        await message.answer(part)
    trace.outcome = "help"


async def providers_command(message: Message, library: Library, lang: Lang, trace: Trace) -> None:
    """The providers, their number of codes and their docs."""
    for part in split_messages(providers_paragraphs(library.resolver.catalog, lang, HTML)):
        await message.answer(part)
    trace.outcome = "providers"


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.message.filter(LooksLikeCommand())
    router.message.register(start_with_payload, CommandStart(deep_link=True))
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    router.message.register(providers_command, Command("providers"))
    return router
