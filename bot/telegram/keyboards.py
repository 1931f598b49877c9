"""Inline buttons under answers, and the short, versioned callback data behind them."""

from __future__ import annotations

from functools import lru_cache

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.answer import Answer, Match
from bot.core.catalog import entry_ref
from bot.core.i18n import Lang, t
from bot.core.render import entry_label

MAX_BUTTONS = 8
# Deep links from a radar alert's answer button start so: looked up, not counted as a wave.
ALERT_LINK = "r-"
VOTE_ROWS = 3  # answers showing more entries than this get no vote buttons


# The prefix carries the format version: a press on a button from an older format, or one
# made up by hand, fails to parse and gets the "out of date" notice.
class Pick(CallbackData, prefix="p1"):
    """Show this entry in full, in place of the list."""

    ref: str


class Vote(CallbackData, prefix="v1"):
    """Was this answer helpful?"""

    ref: str
    up: bool


class Human(CallbackData, prefix="h1"):
    """Talk to a person about this answer: its first entry's ``ref`` ("" when none was found)."""

    ref: str


class Solved(CallbackData, prefix="s1"):
    """The person's verdict on a closed conversation: did we solve it?"""

    conversation: int
    up: bool


def ref_of(match: Match) -> str:
    """The entry's short reference (see ``Catalog.by_ref``)."""
    return entry_ref(match.slug, match.entry.key)


def answer_keyboard(
    answer: Answer, lang: Lang, *, human: bool = False
) -> InlineKeyboardMarkup | None:
    """Candidates to pick from, votes for what was shown, the provider's docs, and (``human``:
    in a private chat, with SUPPORT_CHAT_ID set) "Talk to a person"."""
    picks = tuple((entry_label(m), ref_of(m)) for m in _pickable(answer)[:MAX_BUTTONS])
    shown = answer.matches
    votes: tuple[tuple[str, str], ...] = ()
    if shown and len(shown) <= VOTE_ROWS:
        # With several entries each vote says which one it is for.
        several = len(shown) > 1
        votes = tuple((ref_of(m), (m.entry.code or "") if several else "") for m in shown)
    providers = list({m.slug: m.catalog.provider for m in shown}.values())
    if answer.provider is not None and not shown:
        providers = [answer.provider.provider]
    providers = [p for p in providers if p.docs_url is not None]
    docs = tuple(
        (t("button_docs", lang) if len(providers) == 1 else f"📖 {p.name}", p.docs_url)
        for p in providers[:2]
        if p.docs_url is not None
    )
    talk = (t("button_human", lang), ref_of(shown[0]) if shown else "") if human else None
    return _keyboard(picks, votes, docs, talk)


# A keyboard is the same for every question that finds the same entries (and language): built
# once (aiogram's objects are frozen, so safe to share) and sent again. Building one is 34 µs of
# pydantic validation, taking it from here 4 µs (timeit over bench_e2e's Zipf mix: 300 distinct
# keyboards of 3,000 answers, as many with every question different: 295 entries); 512 of them
# are at most 2.3 MiB (tracemalloc: 4.4 KB each). bench_e2e.py, one run against the commit
# before: CPU per update 900 -> 867 µs (Zipf), 1,123 -> 1,043 µs (every question different).
@lru_cache(maxsize=512)
def _keyboard(
    picks: tuple[tuple[str, str], ...],
    votes: tuple[tuple[str, str], ...],
    docs: tuple[tuple[str, str], ...],
    human: tuple[str, str] | None,
) -> InlineKeyboardMarkup | None:
    markup = _markup(picks, votes, docs)
    if human is None:
        return markup
    label, ref = human
    button = InlineKeyboardButton(text=label, callback_data=Human(ref=ref).pack())
    rows = markup.inline_keyboard if markup is not None else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [button]])


def verdict_keyboard(conversation: int, lang: Lang) -> InlineKeyboardMarkup:
    """👍 / 👎 under "Did we solve your problem?"."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t(f"button_{verdict}", lang),
                    callback_data=Solved(conversation=conversation, up=up).pack(),
                )
                for verdict, up in (("solved", True), ("not_solved", False))
            ]
        ]
    )


def _pickable(answer: Answer) -> list[Match]:
    """Candidates, or else the nearest codes a provider does have."""
    if answer.candidates:
        return list(answer.candidates)
    return [
        Match(missing.catalog, entry)
        for missing in answer.missing
        if missing.catalog is not None
        for entry in map(missing.catalog.find, missing.nearest)
        if entry is not None
    ]


# Rows built directly: aiogram's InlineKeyboardBuilder gives the same markup at several times
# the cost (its export deep-copies every button), in the path every new answer takes.
def _markup(
    picks: tuple[tuple[str, str], ...],
    votes: tuple[tuple[str, str], ...],
    docs: tuple[tuple[str, str], ...],
) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    buttons = [
        InlineKeyboardButton(text=label, callback_data=Pick(ref=ref).pack()) for label, ref in picks
    ]
    rows.extend(buttons[i : i + 2] for i in range(0, len(buttons), 2))
    for ref, code in votes:
        suffix = f" {code}" if code else ""
        rows.append(
            [
                InlineKeyboardButton(
                    text=f"👍{suffix}", callback_data=Vote(ref=ref, up=True).pack()
                ),
                InlineKeyboardButton(
                    text=f"👎{suffix}", callback_data=Vote(ref=ref, up=False).pack()
                ),
            ]
        )
    rows.extend([InlineKeyboardButton(text=label, url=url)] for label, url in docs)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
