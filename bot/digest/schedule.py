"""When a digest is due: DIGEST_AT on the clocks of TZ, once a week, and the lease that lets
one process send it once."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from bot.analytics.days import DAY_SECONDS, day_number

WEEK_DAYS = 7


def next_digest(now: float, at: tuple[int, int, int], tz: ZoneInfo) -> float:
    """The first time after ``now`` that is ``at`` (weekday, 0 Monday; hour; minute) on the
    clocks of ``tz``: "mon 09:00" is 09:00 local on either side of a daylight saving change.
    A time the clocks skip that night is sent as the clocks read then (an hour later); a time
    they show twice, at the first."""
    weekday, hour, minute = at
    today = datetime.fromtimestamp(now, tz).date()
    day = today + timedelta(days=(weekday - today.weekday()) % WEEK_DAYS)
    while True:
        due = datetime.combine(day, clock_time(hour, minute), tzinfo=tz).timestamp()
        if due > now:
            return due
        day += timedelta(days=WEEK_DAYS)


def last_digest(now: float, at: tuple[int, int, int], tz: ZoneInfo) -> float:
    """The latest time at or before ``now`` that a digest was due (see next_digest)."""
    due = next_digest(now - (WEEK_DAYS + 1) * DAY_SECONDS, at, tz)
    while (following := next_digest(due, at, tz)) <= now:
        due = following
    return due


def digest_days(due: float, at: tuple[int, int, int], tz: ZoneInfo) -> int:
    """How many whole UTC days the digest due at ``due`` covers: those since the one before it
    (a week earlier on the clocks of ``tz``) was due, to the day before its own. Seven, but six
    or eight in a week the clocks change, when DIGEST_AT falls near midnight UTC: so that no day
    is in two digests, nor in none (a fixed seven put one in both, or in neither: found by an
    attack)."""
    before = last_digest(due - 1, at, tz)
    return day_number(due) - day_number(before)


def lease_name(due: float, tz: ZoneInfo) -> str:
    """The database lease of the digest due at ``due``: one per week, by its local date, so
    the first process to claim it sends it, and no other, nor a restart, sends it again."""
    return f"digest {datetime.fromtimestamp(due, tz).date().isoformat()}"
