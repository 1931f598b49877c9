"""A conversation between a person and the support team as the database keeps it, its states,
and how it goes from one to the next (the database makes each change in SQL, bot/store/
conversations.py; the desk, bot/telegram/desk.py, keeps its copy in step with posted and kept).

    (none) ──ask──► waiting ──card posted in a topic──► open ──/close──► closed ──👍/👎──► closed
                      ▲  │                                │   (or idle for SUPPORT_IDLE_DAYS)
                      │  └──── the support chat fails ◄───┘ (the person is told; retried: a
                      │                                      card once, then a word it resumes)
                      └─ ask while waiting: tried again (unless a try is under way)
                         ask while open: a new card, same topic (unless a second tap)

A person has at most one conversation that is waiting or open (the database holds it to that);
the raw Telegram id is kept only then, to relay, and is gone once it is closed: the person's
next ask finds their old topic again by their pseudonym. A topic is kept with the support chat
it is in: one in another chat (SUPPORT_CHAT_ID changed) is none, and a new one is made.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from bot.core.markup import units
from bot.core.text import clean

TOPIC_NAME_LIMIT = 128  # Telegram's limit on a forum topic's name
_BLANK = "\u115f\u1160\u3164\uffa0\u2800"  # letters that show as nothing: fillers, braille blank


class State(StrEnum):
    """Where a conversation is (stored as its value)."""

    WAITING = "waiting"  # asked for; not yet in a topic (the support chat failed): retried
    OPEN = "open"  # the card is in a topic: messages are relayed both ways
    CLOSED = "closed"  # ended by /close: the person's messages are questions again


class Asked(StrEnum):
    """Where a person's request stands once they asked (what they are told)."""

    POSTED = "posted"  # the card is in their topic now
    OPEN_ALREADY = "open_already"  # their conversation was open: a card again if it is news
    UNDER_WAY = "under_way"  # another tap (or replica) is posting it right now
    KEPT = "kept"  # the support chat failed: kept for a retry


class Verdict(StrEnum):
    """What the person said to "Did we solve it?"."""

    SOLVED = "solved"
    NOT_SOLVED = "not_solved"


@dataclass(frozen=True)
class Conversation:
    """One handoff: who (pseudonym; raw id only while it is live), where (the topic), when,
    about what (the entry, none if nothing was found), in which language, and how it ended."""

    id: int
    person_key: int | None  # the lookups' pseudonym (None while analytics are off)
    user_id: int | None  # the Telegram id, while waiting or open; None once closed
    topic_id: int | None  # the forum topic (message_thread_id), in topic_chat_id
    state: State
    provider: str | None
    entry_key: str | None
    lang: str
    opened_at: float  # when the person asked for a person
    posted_at: float | None = None  # when the card reached the team
    first_reply_at: float | None = None  # the team's first message to the person
    closed_at: float | None = None
    verdict: Verdict | None = None
    retry_at: float = 0.0  # no retry before (an attempt under way holds it ahead)
    topic_chat_id: int | None = None  # the support chat topic_id is in (None: from before 0008)
    last_at: float | None = None  # the last message relayed either way
    topic_closed: bool = False  # by staff in Telegram, not /close: reopened for the next message


def posted(conversation: Conversation, chat_id: int, topic_id: int, now: float) -> Conversation:
    """The card is in ``topic_id`` of ``chat_id``: the conversation is open (it may have been
    open already, in a topic since deleted, or in another support chat)."""
    first = conversation.posted_at if conversation.posted_at is not None else now
    return replace(
        conversation,
        state=State.OPEN,
        topic_id=topic_id,
        topic_chat_id=chat_id,
        posted_at=first,
        topic_closed=False,
    )


def in_chat(conversation: Conversation, chat_id: int) -> int | None:
    """The conversation's topic if it is in ``chat_id`` (one from before 0008 is taken to be);
    None when it has none there (the team moved to another support chat since)."""
    if conversation.topic_chat_id not in (None, chat_id):
        return None
    return conversation.topic_id


def kept(conversation: Conversation, retry_at: float) -> Conversation:
    """The support chat failed: the request waits for a try from ``retry_at`` (its topic, if
    any, kept)."""
    return replace(conversation, state=State.WAITING, retry_at=retry_at)


def shown_name(first_name: str) -> str:
    """A person's first name as staff see it (the card's link, the topic's name): on one
    line, without invisible and direction characters (an RTL override turns what follows it
    around); "?" when nothing visible is left (spaces, zero-width characters, Hangul fillers)."""
    name = " ".join(clean(first_name, lines=False).split())
    return name if name.strip(_BLANK + " ") else "?"


def topic_name(first_name: str, about: str) -> str:
    """``Anna · GoSMS 1004``, on one line, within Telegram's 128 characters, counted as
    Telegram counts them (UTF-16 code units: an emoji is two)."""
    name = shown_name(first_name)
    text = f"{name} · {' '.join(about.split())}"
    if units(text) <= TOPIC_NAME_LIMIT:
        return text
    while units(text) > TOPIC_NAME_LIMIT - 1:
        text = text[:-1]
    return text + "…"
