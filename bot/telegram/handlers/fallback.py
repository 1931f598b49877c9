"""Private messages no other handler took: a sticker, a voice message, an unknown command; and
in a group, a command addressed to the bot by name that it does not have."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import BaseFilter
from aiogram.types import Message

from bot.core.i18n import Lang, t, t_list
from bot.core.markup import HTML
from bot.telegram.filters import ChatIs
from bot.telegram.handlers import Done, Handled
from bot.telegram.handlers.handoff import COMMANDS
from bot.telegram.handlers.support import STAFF_COMMANDS


async def not_a_question(message: Message, lang: Lang) -> Handled:
    """A hint with examples (or, for a command the bot does not have, a pointer to /help)."""
    if message.text is not None:
        await message.answer(HTML.esc(t("unknown_command", lang)))
    else:
        examples = ", ".join(HTML.code(e) for e in t_list("start_examples"))
        await message.answer(HTML.fill("not_text", lang, examples=examples))
    return Done.HINT


class _CommandToMe(BaseFilter):
    """``/foo@codebook_bot``: in a group, silence answered it (found by an attack), where a
    private chat says there is no such command."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        text = message.text or ""
        if not text.startswith("/"):
            return False
        command, at, name = text.split(maxsplit=1)[0].partition("@")
        if command[1:].lower() in COMMANDS | STAFF_COMMANDS:  # one it has, not here (a third
            # attack: /human@codebook_bot in a group was said to be no command)
            return False
        me = await bot.me()
        return bool(at) and me.username is not None and name.lower() == me.username.lower()


async def unknown_command(message: Message, lang: Lang) -> Handled:
    await message.reply(HTML.esc(t("unknown_command", lang)))
    return Done.HINT


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.message.register(not_a_question, ChatIs("private"))
    router.message.register(unknown_command, ChatIs("group", "supergroup"), _CommandToMe())
    return router
