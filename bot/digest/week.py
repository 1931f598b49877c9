"""What a digest says, read from the database: the period's report, the one before it, and the
radar's alerts of the period."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.analytics.days import DAY_SECONDS
from bot.analytics.reports import Period, build_report, read_sqlite
from bot.radar.alerts import Alert
from bot.radar.stored import Database, alerts_between

if TYPE_CHECKING:
    from bot.analytics.reports import Fetch
    from bot.store.sqlite import Store

TOP = 10  # rows of the top errors and of the gaps

# A report of ``days`` days ending at ``now``, with ``top`` rows per list (Reports.report,
# PostgresStore.read_report, or build_report over SQLite's fetch).
ReportOf = Callable[[int, int, float], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Week:
    """What a digest says, as read from the database: the period's report, the report of the
    period just before it, and the radar's alerts that started in the period."""

    report: dict[str, Any]
    before: dict[str, Any]
    alerts: list[Alert]


async def gather(report_of: ReportOf, db: Database, days: int, now: float) -> Week:
    """The period of ``days`` days ending at ``now`` (UTC days, today included, as /stats
    counts them), the one before, and the alerts of the period."""
    report = await report_of(days, TOP, now)
    before = await report_of(days, TOP, now - days * DAY_SECONDS)
    bounds = Period.ending(days, now).params()
    alerts = await alerts_between(db, bounds["since"], bounds["until"])
    return Week(report, before, alerts)


class ReadOnly:
    """Named queries through a report's fetch (SQLite's read-only connection): enough for the
    reads the digest makes."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    async def fetch(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await self._fetch(name, dict(params))]

    async def execute(self, name: str, params: Mapping[str, Any]) -> int:
        raise PermissionError(f"{name}: the digest reads, it never writes")


def read_sqlite_week(path: Path, days: int, now: float) -> Week:
    """The week from the SQLite file at ``path``, read-only and in one transaction; a file not
    made yet is an empty week (and is not made)."""

    def work(fetch: Fetch) -> Coroutine[Any, Any, Week]:
        def report_of(days: int, top: int, now: float) -> Awaitable[dict[str, Any]]:
            return build_report(fetch, days, top, now)

        return gather(report_of, ReadOnly(fetch), days, now)

    return read_sqlite(path, work)


async def read_store_week(store: Store, days: int, now: float) -> Week:
    """The week from a store (PostgreSQL's, for the command line), closed after."""
    try:
        return await gather(store.read_report, store, days, now)
    finally:
        await store.close()
