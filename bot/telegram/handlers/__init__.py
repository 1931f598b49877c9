"""The bot's handlers, one router a module; app.py joins them in the order they are tried.

Every handler returns what it did (``Handled``), and that is all the middlewares learn of it:
the outcome in the update's log line and the ``outcome`` label of ``codebook_updates_total``.
A question answered returns how its lookup ended (a ``LookupOutcome``, as stored), anything
else one of ``Done``. Each value is a metric series: a fixed set, never text made up per
update. An update no handler takes (or one a handler returns None for) is counted "ignored".
Error handlers (``router.errors``) return None: the update is counted as an "error".
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeAlias

from bot.analytics.kinds import LookupOutcome


class Done(StrEnum):
    """What a handler did, when it was not a lookup; and what the middlewares say of an
    update no handler finished."""

    GREETED = "greeted"  # /start
    HELP = "help"
    PROVIDERS = "providers"
    HINT = "hint"  # a private message that is no question: how to ask
    THANKED = "thanked"  # a message that only thanks: a word back, no lookup
    USAGE = "usage"  # a command given wrongly: how to give it
    TOP = "top"  # an empty inline query: the most looked-up entries
    VOTE = "vote"
    STALE = "stale"  # a button from an older version, or whose list has changed
    # Admins' commands and buttons
    REFUSED = "refused"  # not an admin
    REPORT_BLOCKED = "report_blocked"  # the admin never opened a private chat with the bot
    STATS = "stats"
    GAPS = "gaps"
    EXPORT = "export"
    RELOADED = "reloaded"
    RELOAD_FAILED = "reload_failed"
    RADAR = "radar"
    MUTED = "muted"
    MUTE_GONE = "mute_gone"  # the alert to mute is over
    UNAVAILABLE = "unavailable"  # the database cannot be read now
    TAUGHT = "taught"
    SHADOWS = "shadows"  # teaching it would hide a catalog answer: refused
    TOO_LONG = "too_long"
    TAUGHT_LIST = "taught_list"
    TAUGHT_PAGE = "taught_page"
    FORGOTTEN = "forgotten"
    TEACH_ASKED = "teach_asked"  # a button under /gaps: which entry should it find?
    # Handoff to the support team
    HANDED = "handed"  # the request is in the person's topic
    KEPT = "kept"  # the support chat failed: the request is kept for a retry, the person told
    RELAYED = "relayed"  # a message copied between the person and their topic
    NOT_RELAYED = "not_relayed"  # it could not be: the person (or the team) was told why
    NO_PRIVATE = "no_private"  # the bot cannot write to the person: told to open a private chat
    SENT = "sent"  # /send: the catalog's answer to the person
    CLOSED = "closed"  # /close
    VERDICT = "verdict"  # the person's 👍 / 👎 on a closed conversation
    STAFF_CARD = "staff_card"  # an entry shown to the team in a topic, notes included
    TOPIC = "topic"  # staff closed or reopened a live conversation's topic in Telegram
    RIGHTS = "rights"  # the bot's rights in the support chat changed: kept requests retried
    # Said by the middlewares
    FLOOD = "flood"  # over the person's budget (flood.py)
    DUPLICATE = "duplicate"  # delivered again and handled already (webhook mode)
    IGNORED = "ignored"  # no handler took it: chatter in a group, an update kind not handled
    ERROR = "error"  # a handler raised (handlers/errors.py logged it)
    CUT_OFF = "cut_off"  # still in hand when a stop's grace ran out: cancelled (app.py)


Handled: TypeAlias = Done | LookupOutcome
