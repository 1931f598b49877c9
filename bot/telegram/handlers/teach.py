"""Teaching the search (ADMIN_IDS only): a question it did not answer, and the entry it should
have found. ``/teach <phrase> <provider> <code>``; or a button under /gaps, then a reply with
the provider and the code; ``/teach`` alone lists what was taught, each with a button that
takes it back. What is taught is kept in the database and answers from then on."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.analytics.reading import Reports
from bot.analytics.writer import LookupLog
from bot.answer import Match, Outcome
from bot.catalog import entry_ref
from bot.i18n import Lang, t
from bot.library import Library
from bot.markup import HTML, one_line
from bot.render import entry_heading
from bot.telegram.filters import IsAdmin
from bot.text import phrase_key

PROMPT_MARK = "✎"  # how the reply to a teaching prompt is told from a question
GAPS_DAYS = 30  # the gaps a button under /gaps may name (the longest /gaps period people use)


class TeachGap(CallbackData, prefix="g1"):
    """Teach the search the gap whose phrase hashes to ``gap``."""

    gap: str


class Forget(CallbackData, prefix="f1"):
    """Take back the phrase that hashes to ``phrase``."""

    phrase: str


def short(text: str) -> str:
    """A phrase's short reference, small enough for callback data."""
    return hashlib.blake2s(text.encode(), digest_size=5).hexdigest()


def gap_keyboard(gaps: list[str]) -> InlineKeyboardMarkup | None:
    """A button per gap listed: press it, then answer with the entry it should have found."""
    buttons = [
        InlineKeyboardButton(text=f"{PROMPT_MARK} {n}", callback_data=TeachGap(gap=short(g)).pack())
        for n, g in enumerate(gaps, 1)
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


class ReplyToPrompt(BaseFilter):
    """A private message answering the bot's teaching prompt: ``phrase`` is the gap it named."""

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        asked = message.reply_to_message
        if message.chat.type != "private" or asked is None or message.text is None:
            return False
        if asked.from_user is None or asked.from_user.id != bot.id or asked.text is None:
            return False
        found = re.match(rf"{PROMPT_MARK} «(.+)»", asked.text)
        return {"phrase": found[1]} if found else False


async def teach_command(
    message: Message, command: CommandObject, library: Library, lookups: LookupLog, lang: Lang
) -> str:
    """``/teach <phrase> <provider> <code>``, or alone: what was taught."""
    words = (command.args or "").split()
    if not words:
        return await show_taught(message, library, lookups, lang)
    if len(words) < 3:
        await message.reply(HTML.esc(t("teach_usage", lang)))
        return "usage"
    return await teach(message, " ".join(words[:-2]), " ".join(words[-2:]), library, lookups, lang)


async def answer_prompt(
    message: Message, phrase: str, library: Library, lookups: LookupLog, lang: Lang
) -> str:
    """The admin's reply to a teaching prompt: the entry the gap should find."""
    return await teach(message, phrase, message.text or "", library, lookups, lang)


async def teach(
    message: Message, phrase: str, entry: str, library: Library, lookups: LookupLog, lang: Lang
) -> str:
    """Teach ``phrase`` to find the entry ``entry`` names ("gosms 1004")."""
    found = library.resolver.resolve(library.resolver.parser.parse(entry))
    if found.outcome not in (Outcome.FOUND, Outcome.NOT_AN_ERROR) or len(found.matches) != 1:
        await message.reply(HTML.fill("teach_no_entry", lang, entry=HTML.esc(one_line(entry))))
        return "usage"
    key = phrase_key(phrase)
    if not key:
        await message.reply(HTML.esc(t("teach_usage", lang)))
        return "usage"
    match = found.matches[0]
    await lookups.teach(key, match.slug, match.entry.key)
    library.use_taught(await lookups.taught())
    await message.reply(_taught_line(key, match, lang))
    return "taught"


def _taught_line(phrase: str, match: Match, lang: Lang) -> str:
    heading = HTML.esc(entry_heading(match, lang))
    return HTML.fill("teach_done", lang, phrase=HTML.esc(phrase), entry=heading)


async def show_taught(message: Message, library: Library, lookups: LookupLog, lang: Lang) -> str:
    """Every phrase taught, with a button that takes each back."""
    text, markup = _taught_listing(await lookups.taught(), library, lang)
    await message.answer(text, reply_markup=markup)
    return "taught_list"


def _taught_listing(
    rows: list[tuple[str, str, str]], library: Library, lang: Lang
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not rows:
        return HTML.esc(t("taught_none", lang)), None
    by_ref = library.resolver.catalog.by_ref
    phrases: dict[str, list[str]] = {}
    for phrase, provider, key in rows:
        found = by_ref.get(entry_ref(provider, key))
        name = entry_heading(Match(*found), lang) if found else f"{provider} {key}"
        phrases.setdefault(phrase, []).append(name)
    lines = [HTML.bold(t("taught_title", lang))]
    buttons = []
    for number, (phrase, names) in enumerate(phrases.items(), 1):
        lines.append(f"{number}. {HTML.code(phrase)} → {HTML.esc('; '.join(names))}")
        forget = Forget(phrase=short(phrase)).pack()
        buttons.append(InlineKeyboardButton(text=f"✕ {number}", callback_data=forget))
    rows_of_buttons = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows_of_buttons)


async def teach_gap(
    callback: CallbackQuery, callback_data: TeachGap, reports: Reports, bot: Bot, lang: Lang
) -> str:
    """A button under /gaps: ask, in a message to reply to, which entry the gap should find."""
    report = await reports.report(days=GAPS_DAYS, top=100)
    gap = next((g["query"] for g in report["gaps"] if short(g["query"]) == callback_data.gap), None)
    if gap is None or callback.from_user is None:
        await callback.answer(t("stale_button", lang), show_alert=True)
        return "stale"
    prompt = f"{PROMPT_MARK} «{gap}» {t('teach_prompt', lang)}"
    placeholder = ForceReply(force_reply=True, input_field_placeholder="gosms 1004")
    await bot.send_message(callback.from_user.id, HTML.esc(prompt), reply_markup=placeholder)
    await callback.answer()
    return "teach_asked"


async def forget(
    callback: CallbackQuery, callback_data: Forget, library: Library, lookups: LookupLog, lang: Lang
) -> str:
    """Take a taught phrase back; the list is shown again without it."""
    phrase = next(
        (row[0] for row in await lookups.taught() if short(row[0]) == callback_data.phrase), None
    )
    if phrase is not None:
        await lookups.forget(phrase)
        library.use_taught(await lookups.taught())
    text, markup = _taught_listing(await lookups.taught(), library, lang)
    if callback.message is not None:
        await callback.message.edit_text(text, reply_markup=markup)  # type: ignore[union-attr]
    await callback.answer(t("taught_forgotten", lang) if phrase else t("stale_button", lang))
    return "forgotten" if phrase else "stale"


def create_router() -> Router:
    """This module's handlers (admins only), in the order they are tried."""
    router = Router(name=__name__)
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(answer_prompt, ReplyToPrompt())
    router.message.register(teach_command, Command("teach"))
    router.callback_query.register(teach_gap, TeachGap.filter())
    router.callback_query.register(forget, Forget.filter())
    return router
