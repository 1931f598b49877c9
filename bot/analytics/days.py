"""UTC days as the rollups write them: numbered from 1970-01-01, shown as 'YYYY-MM-DD'."""

from __future__ import annotations

import time

DAY_SECONDS = 86400
# The longest period a report, an export, a replay or a digest covers: ten years, as /stats
# and the command line's --days accept it.
MAX_DAYS = 3650


def day_number(at: float) -> int:
    """The UTC day an epoch time falls on."""
    return int(at // DAY_SECONDS)


def iso_day(number: int) -> str:
    """A day number as 'YYYY-MM-DD', the way SQLite's ``date(at, 'unixepoch')`` writes it."""
    return time.strftime("%Y-%m-%d", time.gmtime(number * DAY_SECONDS))


def midnight(number: int) -> float:
    """The epoch time a day starts at."""
    return float(number * DAY_SECONDS)
