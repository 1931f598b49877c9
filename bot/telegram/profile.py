"""What Telegram shows of the bot: its commands and descriptions, in each of its languages."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.core.i18n import LANGUAGES, strings
from bot.settings import Settings


async def describe(bot: Bot, settings: Settings) -> None:
    """Commands and descriptions in Russian, English and Ukrainian (English for every other
    language); /human with SUPPORT_CHAT_ID; admins also see their commands."""
    texts = strings()
    listed = {
        **texts["commands"],
        **(texts["handoff_commands"] if settings.support_chat_id else {}),
    }
    for lang in LANGUAGES:
        code = None if lang == "en" else lang  # English for every language not listed
        commands = [BotCommand(command=c, description=d[lang]) for c, d in listed.items()]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)
        await bot.set_my_description(texts["bot_description"][lang], language_code=code)
        await bot.set_my_short_description(texts["bot_short_description"][lang], language_code=code)
        admin_commands = commands + [
            BotCommand(command=c, description=d[lang]) for c, d in texts["admin_commands"].items()
        ]
        for admin_id in settings.admin_ids:
            await bot.set_my_commands(
                admin_commands, scope=BotCommandScopeChat(chat_id=admin_id), language_code=code
            )
