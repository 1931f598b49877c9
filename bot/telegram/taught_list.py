"""/teach's list of taught phrases, in pages Telegram takes: each under its message limit and
at most PAGE_PHRASES phrases, with a ✕ button per phrase and ‹ › between pages."""

from __future__ import annotations

import hashlib

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.answer import Match
from bot.core.catalog import entry_ref
from bot.core.i18n import Lang, t
from bot.core.library import Library
from bot.core.markup import HTML, MESSAGE_LIMIT, one_line, shown_length
from bot.core.render import entry_heading

MAX_PHRASE = 200  # characters of a taught phrase (bot.core.text.phrase_key's form)
PAGE_PHRASES = 20  # phrases on a page, each with its ✕ button: a keyboard that stays usable
NAMES_SHOWN = 5  # entries named after a phrase; the rest counted
NAME_LENGTH = 120  # an entry's heading is cut past this
# Room kept for the title ("… · page 12 of 13"): every line fits a page with it (a phrase of
# MAX_PHRASE and NAMES_SHOWN names of NAME_LENGTH come to about 850).
TITLE_ROOM = 100


class Forget(CallbackData, prefix="f2"):
    """Take back the phrase that hashes to ``phrase``; ``page`` is the list's page shown."""

    phrase: str
    page: int


class TaughtPage(CallbackData, prefix="tp"):
    """Show page ``page`` (from 0) of the taught phrases."""

    page: int


def short(text: str) -> str:
    """A phrase's short reference, small enough for callback data."""
    return hashlib.blake2s(text.encode(), digest_size=5).hexdigest()


def taught_page(
    rows: list[tuple[str, str, str]], library: Library, lang: Lang, page: int = 0
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """Page ``page`` (from 0) of what was taught, ``(phrase, provider, entry key)`` rows, with
    its buttons; None when there is no such page."""
    if not rows:
        return (HTML.esc(t("taught_none", lang)), None) if page == 0 else None
    lines = _lines(rows, library, lang)
    pages = _paged(lines)
    if not 0 <= page < len(pages):
        return None
    first, end = pages[page]
    title = HTML.bold(t("taught_title", lang))
    if len(pages) > 1:
        title += " · " + HTML.esc(t("taught_page", lang).format(page=page + 1, pages=len(pages)))
    text = "\n".join([title, *(line for _, line in lines[first:end])])
    buttons = [
        InlineKeyboardButton(
            text=f"✕ {number}", callback_data=Forget(phrase=short(phrase), page=page).pack()
        )
        for number, (phrase, _) in enumerate(lines[first:end], first + 1)
    ]
    keyboard = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    moves = [(page - 1, "‹")] if page > 0 else []
    moves += [(page + 1, "›")] if page + 1 < len(pages) else []
    if moves:
        keyboard.append(
            [
                InlineKeyboardButton(text=label, callback_data=TaughtPage(page=to).pack())
                for to, label in moves
            ]
        )
    return text, InlineKeyboardMarkup(inline_keyboard=keyboard)


def _lines(rows: list[tuple[str, str, str]], library: Library, lang: Lang) -> list[tuple[str, str]]:
    """Each phrase once, oldest first, with its numbered line: ``(phrase, line)``."""
    by_ref = library.resolver.catalog.by_ref
    phrases: dict[str, list[str]] = {}
    for phrase, provider, key in rows:
        found = by_ref.get(entry_ref(provider, key))
        name = entry_heading(Match(*found), lang) if found else f"{provider} {key}"
        phrases.setdefault(phrase, []).append(one_line(name, NAME_LENGTH))
    lines = []
    for number, (phrase, names) in enumerate(phrases.items(), 1):
        named = "; ".join(names[:NAMES_SHOWN])
        if len(names) > NAMES_SHOWN:
            named += f"; +{len(names) - NAMES_SHOWN}"
        shown = HTML.code(one_line(phrase, MAX_PHRASE))  # (phrases taught before the cap)
        lines.append((phrase, f"{number}. {shown} → {HTML.esc(named)}"))
    return lines


def _paged(lines: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """The pages as ``(first, end)`` indexes into ``lines``."""
    room = MESSAGE_LIMIT - TITLE_ROOM
    pages: list[tuple[int, int]] = []
    first = used = 0
    for index, (_, line) in enumerate(lines):
        size = shown_length(line) + 1  # and the line break before it
        if index > first and (index - first >= PAGE_PHRASES or used + size > room):
            pages.append((first, index))
            first, used = index, 0
        used += size
    pages.append((first, len(lines)))
    return pages
