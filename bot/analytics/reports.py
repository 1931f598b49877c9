"""Reports as data: what a period's lookups say (``Report`` and its rows, read by the store,
bot/store/reading.py), the period itself, and a lookup as a row of the CSV export."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.analytics.days import day_number, iso_day, midnight
from bot.analytics.kinds import LookupOutcome

OUTCOMES = tuple(outcome.value for outcome in LookupOutcome)
EXPORT_COLUMNS = (
    "time", "channel", "chat_type", "user_key", "provider", "entry_key", "code", "outcome",
    "query", "took_ms", "entries",
)  # fmt: skip
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Period:
    """Whole UTC days, ``first`` to ``last`` inclusive (day numbers, see days.py)."""

    __slots__ = ("first", "last")

    def __init__(self, first: int, last: int) -> None:
        self.first, self.last = first, last

    @classmethod
    def ending(cls, days: int, now: float | None = None) -> Period:
        """The last ``days`` days, today (UTC) included."""
        last = day_number(time.time() if now is None else now)
        return cls(last - days + 1, last)

    def days(self) -> list[int]:
        """Every day of the period, oldest first."""
        return list(range(self.first, self.last + 1))

    def before(self) -> Period:
        """The period of the same length just before this one."""
        length = self.last - self.first + 1
        return Period(self.first - length, self.last - length)

    def params(self) -> dict[str, Any]:
        """The bounds as the queries in bot/store/queries.sql name them."""
        return {
            "first": self.first,
            "last": self.last,
            "days": json.dumps(self.days()),
            "since": midnight(self.first),
            "until": midnight(self.last + 1),
        }


# The rows of a report. Their fields, in order, are the keys of `stats --format json` (a
# stable interface: DESIGN.md), except where a row says otherwise.


@dataclass(frozen=True, slots=True)
class TopEntry:
    """An entry among the most looked up: how often, by how many people, and the change on
    the period before."""

    provider: str
    code: str | None  # as the catalog writes it; None for an entry without a code
    title: str  # English as logged, or the reader's language once retitled (in_language)
    count: int
    users: int
    previous: int  # its count in the period before
    change: int  # count - previous
    key: str  # the entry's key within its provider


@dataclass(frozen=True, slots=True)
class Gap:
    """What people asked that no catalog answers (grouped as text.gap_key groups it)."""

    query: str
    count: int


@dataclass(frozen=True, slots=True)
class Feedback:
    """An entry's votes in the period, the most "not helpful" first."""

    provider: str
    code: str | None
    title: str
    helpful: int
    not_helpful: int
    key: str = field(default="", compare=False)  # for retitling; not in the JSON


@dataclass(frozen=True, slots=True)
class ProviderCount:
    """Lookups that named a provider."""

    provider: str
    count: int


@dataclass(frozen=True, slots=True)
class DayCount:
    """Lookups of one UTC day (``YYYY-MM-DD``)."""

    day: str
    count: int


@dataclass(frozen=True, slots=True)
class HandoffEntry:
    """An answer that sent people to a person: the handoffs about it in the period, its lookups
    in the period, and the share of those lookups not followed by a handoff (``deflection``:
    each handoff follows one lookup of its entry; None without lookups)."""

    provider: str
    code: str | None
    title: str
    handoffs: int
    lookups: int
    deflection: float | None
    key: str


@dataclass(frozen=True, slots=True)
class Report:
    """What the lookups of a period say, from the daily totals and the votes."""

    period_days: int
    total: int
    found: int
    not_found: int
    unique_users: int
    top: list[TopEntry]
    gaps: list[Gap]
    feedback: list[Feedback]
    several: int
    not_an_error: int
    per_provider: list[ProviderCount]
    per_day: list[DayCount]  # every day of the period, oldest first
    first_day: str
    last_day: str
    # Handoff to the support team (bot/handoff): the period's conversations, those live now,
    # the time to the team's first reply (seconds, from the ask), and how the closed ended.
    handoffs: int = 0
    conversations_open: int = 0
    first_reply_median: float | None = None
    first_reply_p90: float | None = None
    closed_solved: int = 0
    closed_not_solved: int = 0
    closed_no_verdict: int = 0
    handoff_entries: list[HandoffEntry] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The report as `stats --format json` prints it: the fields in order."""
        shown = asdict(self)
        shown["feedback"] = [
            {name: value for name, value in row.items() if name != "key"}
            for row in shown["feedback"]
        ]
        return shown

    @classmethod
    def empty(cls, days: int, now: float | None = None) -> Report:
        """The report of a period without a lookup (a database not made yet)."""
        period = Period.ending(days, now)
        per_day = [DayCount(iso_day(day), 0) for day in period.days()]
        first, last = iso_day(period.first), iso_day(period.last)
        return cls(days, 0, 0, 0, 0, [], [], [], 0, 0, [], per_day, first, last)

    def retitled(self, titles: dict[tuple[str, str], str]) -> Report:
        """The report with each entry's title replaced by ``titles[provider, key]``, where
        given."""
        top = [replace(r, title=titles.get((r.provider, r.key), r.title)) for r in self.top]
        rated = [replace(r, title=titles.get((r.provider, r.key), r.title)) for r in self.feedback]
        handed = [
            replace(r, title=titles.get((r.provider, r.key), r.title)) for r in self.handoff_entries
        ]
        return replace(self, top=top, feedback=rated, handoff_entries=handed)


def export_row(row: Sequence[Any]) -> list[Any]:
    """A lookup as a CSV row: the time in ISO 8601 UTC, the person as their pseudonymous key
    in 16 hex digits, a question that a spreadsheet would run as a formula quoted."""
    at, channel, chat, person, *middle, query, took_ms, entries = row
    shown = f"{person & 0xFFFF_FFFF_FFFF_FFFF:016x}" if person is not None else ""
    return [_iso(at), channel, chat, shown, *middle, _cell(query), f"{took_ms:.2f}", entries]


def _iso(at: float) -> str:
    milliseconds = int(at * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{milliseconds:03d}Z"


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text
