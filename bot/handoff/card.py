"""The context card posted first in a person's topic: who asks, in which language, what they
asked (masked, as stored), what the bot answered, their last lookups, and the team's notes.
Telegram HTML, every value escaped; in the team's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.i18n import Lang, t
from bot.core.markup import HTML, one_line
from bot.handoff.conversation import shown_name

RECENT = 5  # lookups the card lists
RECENT_SECONDS = 24 * 3600.0  # ... from the last this many seconds
LANGUAGE_NAMES = {"ru": "русский", "en": "English", "uk": "українська"}


@dataclass(frozen=True)
class Recent:
    """One of the person's lookups, as stored: masked, cut to 200 characters."""

    at: float
    query: str
    outcome: str  # a LookupOutcome's value
    entry: str | None  # "GoSMS 1004" when it found one


@dataclass(frozen=True)
class CardContext:
    """What the card says."""

    first_name: str
    user_id: int
    username: str | None
    lang: str  # the person's
    question: str | None  # the question the handoff came from (masked); None if unknown
    answered: str | None  # "GoSMS 1004 — No devices registered"; None: nothing found
    recent: tuple[Recent, ...]
    notes: str | None
    again: bool = False  # asked again while the conversation was open


def context_card(card: CardContext, team: Lang, tz: ZoneInfo) -> str:
    """The card as one Telegram HTML message (the notes and the lookups are bounded so that it
    stays under 4096 characters)."""
    person = HTML.link(shown_name(card.first_name), f"tg://user?id={card.user_id}")
    if card.username:
        person += f" @{HTML.esc(card.username)}"
    head = "handoff_card_again" if card.again else "handoff_card_title"
    lines = [HTML.fill(head, team, person=person)]
    language = LANGUAGE_NAMES.get(card.lang, card.lang)
    lines.append(HTML.fill("handoff_card_language", team, language=HTML.esc(language)))
    if card.question is not None:
        asked = HTML.code(one_line(card.question, 200))
        lines.append(HTML.fill("handoff_card_asked", team, question=asked))
    answered = card.answered or t("handoff_card_nothing", team)
    lines.append(HTML.fill("handoff_card_answered", team, answer=HTML.esc(answered)))
    parts = ["\n".join(lines)]
    if card.recent:
        recent = [HTML.bold(t("handoff_card_recent", team).format(zone=tz.key))]
        for lookup in card.recent[:RECENT]:
            when = datetime.fromtimestamp(lookup.at, tz).strftime("%H:%M")
            found = lookup.entry or t(f"handoff_outcome_{lookup.outcome}", team)
            recent.append(f"• {when} {HTML.code(one_line(lookup.query, 80))} → {HTML.esc(found)}")
        parts.append("\n".join(recent))
    if card.notes:
        parts.append(f"{HTML.bold(t('handoff_card_notes', team))}\n{HTML.esc(card.notes)}")
    parts.append(HTML.italic(t("handoff_card_commands", team)))
    return "\n\n".join(parts)
