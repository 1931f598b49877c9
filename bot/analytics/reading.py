"""Reports for the bot: read through a read-only connection of their own (the store's), after
the lookup log has written what it holds, so a report counts every lookup made until it was
asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.analytics.reports import Report
from bot.analytics.writer import LookupLog

if TYPE_CHECKING:
    from bot.store.reading import Writes


class Reports:
    """The support lead's reports, from the database the lookup log writes."""

    def __init__(self, log: LookupLog) -> None:
        self.log = log

    async def report(self, days: int = 7, top: int = 10, now: float | None = None) -> Report:
        """The report of the last ``days`` days (see Report). StorageUnavailable if the
        lookups held cannot be written first."""
        await self.log.flush()
        return await self.log.store.report(days, top, now)

    async def export_csv(self, out: Writes, days: int = 7, now: float | None = None) -> None:
        """The lookups of the last ``days`` days as CSV written to ``out`` (a batch at a time),
        after the lookups held are written."""
        await self.log.flush()
        await self.log.store.export_csv(days, out, now)
