"""How a lookup came and how it ended, one type each. Their values are what the database stores
(and ``stats``, ``export`` and the radar read back), and a lookup's outcome is also its update's
metric label: renaming one is a migration, not a refactoring.

No imports beyond ``enum``: the report modules read these and must start fast.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """How a question reached the bot."""

    PRIVATE = "private"  # a message in a private chat
    GROUP = "group"  # a group message addressed to the bot or plainly naming a code
    COMMAND = "command"  # /code <query>, in any chat
    DEEP_LINK = "deep_link"  # t.me/<bot>?start=gosms_1004
    ALERT = "alert"  # a radar alert's answer button (a deep link the radar does not count)
    BUTTON = "button"  # a candidate picked under an answer
    INLINE = "inline"  # @bot gosms 1004 in any chat


class LookupOutcome(StrEnum):
    """How a lookup ended, as the analytics count it (the resolver's finer ``Outcome`` is
    mapped to it once, in bot/telegram/replies.py)."""

    FOUND = "found"  # one entry, or a provider's card
    SEVERAL = "several"  # candidates to pick from
    NOT_FOUND = "not_found"  # nothing the catalogs answer: a gap
    NOT_AN_ERROR = "not_an_error"  # an entry that is no error (Mobizon 0)
