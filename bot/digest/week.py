"""What a digest says, read from the database: the period's report, the one before it, and the
radar's alerts of the period."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.analytics.days import DAY_SECONDS
from bot.analytics.reports import Period, Report
from bot.radar.alerts import Alert
from bot.store import Store

TOP = 10  # rows of the top errors and of the gaps

# A report of ``days`` days ending at ``now``, with ``top`` rows per list (Reports.report in
# the bot, after the lookups held are written; Store.report on the command line).
ReportOf = Callable[[int, int, float], Awaitable[Report]]


@dataclass(frozen=True)
class Week:
    """What a digest says, as read from the database: the period's report, the report of the
    period just before it, and the radar's alerts that started in the period."""

    report: Report
    before: Report
    alerts: list[Alert]


async def gather(report_of: ReportOf, store: Store, days: int, now: float) -> Week:
    """The ``days`` whole UTC days before the day of ``now``, the period before them, and the
    alerts of the period. (With the day of sending in, as /stats counts, a digest sent on
    Monday at nine never counted Monday after nine, the next one starting on Tuesday, and
    compared nine hours of a Monday with a whole one: found by an attack.)"""
    end = now - DAY_SECONDS  # a moment of the last whole day
    report = await report_of(days, TOP, end)
    before = await report_of(days, TOP, end - days * DAY_SECONDS)
    bounds = Period.ending(days, end).params()
    alerts = await store.alerts_between(bounds["since"], bounds["until"])
    return Week(report, before, alerts)


async def read_week(store: Store, days: int, now: float) -> Week:
    """The week as the store reads it (the command line's, opened read-only)."""
    return await gather(store.report, store, days, now)
