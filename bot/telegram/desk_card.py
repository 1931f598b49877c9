"""The context card for a conversation, from what the database keeps: the person's lookups of
the last 24 hours (masked, as stored), the entry the request is about, the team's notes."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from bot.core.answer import Match
from bot.core.i18n import t
from bot.core.render import entry_heading, entry_label
from bot.handoff.card import RECENT, RECENT_SECONDS, CardContext, Recent, context_card
from bot.handoff.conversation import Conversation

if TYPE_CHECKING:
    from bot.telegram.desk import SupportDesk


async def card_for(
    desk: SupportDesk,
    conversation: Conversation,
    name: str,
    username: str | None,
    about: tuple[str, str] | None,
    *,
    again: bool = False,
) -> tuple[str, str | None]:
    """The card (Telegram HTML, in TEAM_LANG) for the request about ``about`` (an entry, or
    None: nothing was found, or several entries were, which the card lists); and, when it was
    several, their labels for the topic's name."""
    found = await _recent(desk, conversation)
    if _question(found, about, exact=True) is None and conversation.person_key is not None:
        # The lookup asked through another replica reaches the database within its flush
        # interval (each replica writes its own): one more look, that much later.
        await asyncio.sleep(desk.lookups_flush + 0.2)
        found = await _recent(desk, conversation)
    recent = tuple(
        Recent(at, query, outcome, _label(desk, provider, key))
        for at, query, outcome, provider, key in found
    )
    match = desk.entry(about)
    question = _question(found, about)
    answered = entry_heading(match, desk.team) if match is not None else None
    several = _several(desk, found, about)
    if several:
        headings = "; ".join(entry_heading(m, desk.team) for m in several)
        answered = t("handoff_card_several", desk.team).format(entries=headings)
    assert conversation.user_id is not None
    context = CardContext(
        first_name=name,
        user_id=conversation.user_id,
        username=username,
        lang=conversation.lang,
        question=question,
        answered=answered,
        recent=recent,
        notes=desk.library.notes.about(*about) if about else None,
        again=again,
    )
    label = ", ".join(entry_label(m) for m in several) if several else None
    return context_card(context, desk.team, desk.tz), label


Found = list[tuple[float, str, str, str | None, str | None]]


async def _recent(desk: SupportDesk, conversation: Conversation) -> Found:
    """The person's lookups of the last 24 hours, newest first (none while analytics are off)."""
    if conversation.person_key is None:
        return []
    until = time.time()
    return await desk.store.recent_lookups(
        conversation.person_key, until - RECENT_SECONDS, until, RECENT
    )


def _asked(found: Found, about: tuple[str, str] | None) -> tuple[str, str] | None:
    """The lookup that led here, ``(query, outcome)``: the person's latest of the entry (of
    nothing found, or several, when the request is about no one entry)."""
    for _, query, outcome, provider, key in found:
        if (about is None and outcome in ("not_found", "several")) or (
            about is not None and (provider, key) == about
        ):
            return query, outcome
    return None


def _question(found: Found, about: tuple[str, str] | None, *, exact: bool = False) -> str | None:
    """What the person asked that led here (``_asked``), else (unless ``exact``) their latest
    lookup."""
    asked = _asked(found, about)
    if asked is not None:
        return asked[0]
    return found[0][1] if found and not exact else None


def _several(desk: SupportDesk, found: Found, about: tuple[str, str] | None) -> tuple[Match, ...]:
    """The entries the bot offered to pick from, when that is what led here."""
    asked = _asked(found, about) if about is None else None
    if asked is None or asked[1] != "several":
        return ()
    answer = desk.library.resolver.answer(asked[0])
    return answer.candidates or answer.matches


def _label(desk: SupportDesk, provider: str | None, key: str | None) -> str | None:
    if provider is None or key is None:
        return None
    match = desk.entry((provider, key))
    return entry_label(match) if match is not None else f"{provider} {key}"
