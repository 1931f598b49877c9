"""Private messages no other handler took: a sticker, a voice message, an unknown command."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from bot.core.i18n import Lang, t, t_list
from bot.core.markup import HTML
from bot.telegram.filters import ChatIs
from bot.telegram.handlers import Done, Handled


async def not_a_question(message: Message, lang: Lang) -> Handled:
    """A hint with examples (or, for a command the bot does not have, a pointer to /help)."""
    if message.text is not None:
        await message.answer(HTML.esc(t("unknown_command", lang)))
    else:
        examples = ", ".join(HTML.code(e) for e in t_list("start_examples"))
        await message.answer(HTML.fill("not_text", lang, examples=examples))
    return Done.HINT


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.message.register(not_a_question, ChatIs("private"))
    return router
