"""Where an admin's answer about other people's questions goes: never into a group."""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import Message

from bot.core.i18n import Lang, t
from bot.core.markup import HTML


async def report_chat(message: Message, bot: Bot, lang: Lang) -> int | None:
    """Where a report about other people's questions goes: the chat it was asked in when that
    is the admin's private chat; from a group, the admin's private chat, with a line in the
    group saying so. None when the bot may not write to the admin first (they never pressed
    Start): the group is told how to ask in private."""
    if message.chat.type == "private" or message.from_user is None:
        return message.chat.id
    admin = message.from_user.id
    try:
        await bot.send_chat_action(admin, ChatAction.TYPING)
    except TelegramForbiddenError:
        me = await bot.me()
        await message.reply(HTML.fill("report_start_first", lang, bot=HTML.esc(me.username or "")))
        return None
    await message.reply(HTML.esc(t("report_sent_private", lang)))
    return admin
