"""Teaching the search (ADMIN_IDS only): a question it did not answer, and the entry it should
have found. ``/teach <phrase> <provider> <code>``; or a button under /gaps, then a reply with
the provider and the code; ``/teach`` alone lists what was taught (in private, a page at a
time), each with a button that takes it back. What is taught is kept in the database, answers
from then on, and reaches every replica (bot/telegram/taught.py).

A phrase the catalogs already answer exactly (by code, name, provider or pasted response, in
any spelling that compares alike) is refused: taught, it would hide that answer from everyone.
``/teach! ...`` teaches it anyway (logged at WARNING)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.core.answer import Answer, Match, Outcome
from bot.core.i18n import Lang, t
from bot.core.library import Library
from bot.core.markup import HTML, one_line
from bot.core.render import entry_heading
from bot.core.shadows import shadowed
from bot.core.text import phrase_key
from bot.store import StorageUnavailable, Store
from bot.telegram.filters import IsAdmin
from bot.telegram.handlers import Done, Handled
from bot.telegram.private import report_chat
from bot.telegram.services import Services
from bot.telegram.taught_list import MAX_PHRASE, Forget, TaughtPage, short, taught_page

logger = logging.getLogger(__name__)

PROMPT_MARK = "✎"  # how the reply to a teaching prompt is told from a question
GAPS_DAYS = 30  # the gaps a button under /gaps may name (the longest /gaps period people use)
FORCE = "teach!"  # the command that teaches a phrase the catalogs already answer
SHADOWED_NAMED = 3  # entries a refusal names; the rest counted
ONE_ENTRY = (Outcome.FOUND, Outcome.NOT_AN_ERROR)


class TeachGap(CallbackData, prefix="g1"):
    """Teach the search the gap whose phrase hashes to ``gap``."""

    gap: str


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
    message: Message,
    command: CommandObject,
    library: Library,
    services: Services,
    bot: Bot,
    lang: Lang,
) -> Handled:
    """``/teach <phrase> <provider> <code>`` (``/teach!`` to hide a catalog answer), or alone:
    what was taught."""
    words = (command.args or "").split()
    if not words and command.command != FORCE:
        return await show_taught(message, library, services.store, bot, lang)
    if len(words) < 3:
        await message.reply(HTML.esc(t("teach_usage", lang)))
        return Done.USAGE
    phrase, entry = " ".join(words[:-2]), " ".join(words[-2:])
    force = command.command == FORCE
    return await teach(message, phrase, entry, library, services, lang, force=force)


async def answer_prompt(
    message: Message,
    phrase: str,
    library: Library,
    services: Services,
    lang: Lang,
) -> Handled:
    """The admin's reply to a teaching prompt: the entry the gap should find."""
    return await teach(message, phrase, message.text or "", library, services, lang)


async def teach(
    message: Message,
    phrase: str,
    entry: str,
    library: Library,
    services: Services,
    lang: Lang,
    *,
    force: bool = False,
) -> Handled:
    """Teach ``phrase`` to find the entry ``entry`` names ("gosms 1004"), unless the catalogs
    already answer the phrase exactly (bot/core/shadows.py) and ``force`` is not given."""
    resolver = library.resolver
    found = resolver.exact(resolver.parser.parse(entry))
    if found is None or found.outcome not in ONE_ENTRY or len(found.matches) != 1:
        await message.reply(HTML.fill("teach_no_entry", lang, entry=HTML.esc(one_line(entry))))
        return Done.USAGE
    key = phrase_key(phrase)
    if not key:
        await message.reply(HTML.esc(t("teach_usage", lang)))
        return Done.USAGE
    if len(key) > MAX_PHRASE:
        limits = {"limit": str(MAX_PHRASE), "length": str(len(key))}
        await message.reply(HTML.fill("teach_too_long", lang, **limits))
        return Done.TOO_LONG
    match, hidden = found.matches[0], shadowed(resolver, phrase)
    if hidden and not force:
        await message.reply(_refusal(phrase, entry, match, hidden, lang))
        return Done.SHADOWS
    if hidden:
        names = ", ".join(_hidden(hidden, lambda m: f"{m.slug} {m.entry.key}", "{provider} card"))
        taught_to = f"{match.slug} {match.entry.key}"
        logger.warning("teach!: %r finds %s for everyone, not %s", key, taught_to, names)
    try:
        await services.store.teach(key, match.slug, match.entry.key, time.time())
    except StorageUnavailable as exc:  # not held like a lookup: the admin is to try again
        logger.warning("teach: %r not taught: %s", key, exc)
        await message.reply(HTML.fill("teach_unavailable", lang, reason=HTML.esc(str(exc))))
        return Done.UNAVAILABLE
    await services.taught.refresh()
    heading = HTML.esc(entry_heading(match, lang))
    await message.reply(HTML.fill("teach_done", lang, phrase=HTML.esc(key), entry=heading))
    return Done.TAUGHT


def _hidden(answer: Answer, entry: Callable[[Match], str], card: str) -> list[str]:
    """What an exact answer shows, each named: its entries, or the provider's card."""
    if answer.outcome is Outcome.PROVIDER and answer.provider is not None:
        return [card.format(provider=answer.provider.provider.name)]
    return [entry(m) for m in (*answer.matches, *answer.candidates)]


def _refusal(phrase: str, entry: str, match: Match, hidden: Answer, lang: Lang) -> str:
    # The command to repeat keeps the phrase as typed: its key alone may no longer name what
    # it hides (MAX_PERSONAL_2FA_... becomes "max personal 2fa ..."), and /teach! logs that.
    shown = _hidden(hidden, lambda m: entry_heading(m, lang), t("teach_card", lang))
    names = "; ".join(shown[:SHADOWED_NAMED])
    if len(shown) > SHADOWED_NAMED:
        names += f"; +{len(shown) - SHADOWED_NAMED}"
    return HTML.fill(
        "teach_shadows",
        lang,
        phrase=HTML.esc(phrase_key(phrase)),
        found=HTML.esc(names),
        entry=HTML.esc(entry_heading(match, lang)),
        command=HTML.code(f"/{FORCE} {' '.join(phrase.split())} {' '.join(entry.split())}"),
    )


async def show_taught(
    message: Message, library: Library, store: Store, bot: Bot, lang: Lang
) -> Handled:
    """Every phrase taught, a page at a time, with a button that takes each back: in private
    (asked in a group, the group is told it went there)."""
    rows = await store.taught()
    chat = await report_chat(message, bot, lang)
    if chat is None:
        return Done.REPORT_BLOCKED
    first = taught_page(rows, library, lang)
    assert first is not None  # a first page is there, if only to say that nothing was taught
    await bot.send_message(chat, first[0], reply_markup=first[1])
    return Done.TAUGHT_LIST


async def turn_page(
    callback: CallbackQuery,
    callback_data: TaughtPage,
    library: Library,
    services: Services,
    lang: Lang,
) -> Handled:
    """‹ or › under the list: show that page, if the list still has it."""
    shown = taught_page(await services.store.taught(), library, lang, callback_data.page)
    if shown is None:
        await callback.answer(t("stale_button", lang), show_alert=True)
        return Done.STALE
    await _show(callback, *shown)
    await callback.answer()
    return Done.TAUGHT_PAGE


async def forget(
    callback: CallbackQuery,
    callback_data: Forget,
    library: Library,
    services: Services,
    lang: Lang,
) -> Handled:
    """Take a taught phrase back; its page is shown again without it (the page before, if it
    was the last one's only phrase)."""
    store = services.store
    try:
        rows = await store.taught()
        phrase = next((row[0] for row in rows if short(row[0]) == callback_data.phrase), None)
        if phrase is not None:
            await store.forget(phrase)
            await services.taught.refresh()
            rows = await store.taught()
    except StorageUnavailable as exc:
        logger.warning("teach: not taken back: %s", exc)
        await callback.answer(t("forget_unavailable", lang), show_alert=True)
        return Done.UNAVAILABLE
    page = callback_data.page
    shown = None
    while shown is None and page >= 0:
        shown, page = taught_page(rows, library, lang, page), page - 1
    if shown is not None:
        await _show(callback, *shown)
    await callback.answer(t("taught_forgotten", lang) if phrase else t("stale_button", lang))
    return Done.FORGOTTEN if phrase else Done.STALE


async def _show(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """The list's message edited to ``text`` (no news when it already says that)."""
    if callback.message is None:
        return
    try:
        await callback.message.edit_text(text, reply_markup=markup)  # type: ignore[union-attr]
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise


async def teach_gap(
    callback: CallbackQuery, callback_data: TeachGap, services: Services, bot: Bot, lang: Lang
) -> Handled:
    """A button under /gaps: ask, in a message to reply to, which entry the gap should find."""
    report = await services.reports.report(days=GAPS_DAYS, top=100)
    gap = next((g.query for g in report.gaps if short(g.query) == callback_data.gap), None)
    if gap is None or callback.from_user is None:
        await callback.answer(t("stale_button", lang), show_alert=True)
        return Done.STALE
    prompt = f"{PROMPT_MARK} «{gap}» {t('teach_prompt', lang)}"
    placeholder = ForceReply(force_reply=True, input_field_placeholder="gosms 1004")
    await bot.send_message(callback.from_user.id, HTML.esc(prompt), reply_markup=placeholder)
    await callback.answer()
    return Done.TEACH_ASKED


def create_router() -> Router:
    """This module's handlers (admins only), in the order they are tried."""
    router = Router(name=__name__)
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(answer_prompt, ReplyToPrompt())
    router.message.register(teach_command, Command("teach", FORCE, ignore_case=True))
    router.callback_query.register(teach_gap, TeachGap.filter())
    router.callback_query.register(forget, Forget.filter())
    router.callback_query.register(turn_page, TaughtPage.filter())
    return router
