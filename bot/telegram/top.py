"""The most looked-up entries of the past week, offered to an empty inline query."""

from __future__ import annotations

import logging
import time

from bot.analytics.reading import Reports
from bot.core.answer import Match
from bot.core.catalog import Catalog, entry_ref
from bot.store import StorageUnavailable

logger = logging.getLogger(__name__)

logger = logging.getLogger(__name__)
EXAMPLES = ("gosms 1004", "notificore 35", "radist 17002", "mobizon 1", "gupshup 1002")


class TopEntries:
    """Reads the report at most every ``ttl`` seconds; a fresh install offers examples, and
    so does a failing database (said once in the log, and again once it reads)."""

    def __init__(self, reports: Reports, ttl: float = 300.0) -> None:
        self._reports = reports
        self._ttl = ttl
        self._read_at = float("-inf")
        self._keys: list[tuple[str, str]] = []
        self._failing = False

    async def matches(self, catalog: Catalog) -> list[Match]:
        """Entries, most looked-up first."""
        if time.monotonic() - self._read_at > self._ttl:
            self._keys = await self._read()
            self._read_at = time.monotonic()
        found = [
            Match(*catalog.by_ref[ref])
            for ref in (entry_ref(slug, key) for slug, key in self._keys)
            if ref in catalog.by_ref
        ]
        if not found:
            for text in EXAMPLES:
                slug, code = text.split()
                pc = catalog.providers.get(slug)
                entry = pc.find(code) if pc else None
                if pc is not None and entry is not None:
                    found.append(Match(pc, entry))
        return found

    async def _read(self) -> list[tuple[str, str]]:
        """The entries of the week's report; none while the database fails."""
        try:
            report = await self._reports.report(days=7, top=10)
        except StorageUnavailable as exc:
            if not self._failing:
                logger.warning("inline: top entries unavailable, offering examples: %s", exc)
            self._failing = True
            return []  # the examples will do until the database is back
        if self._failing:
            logger.warning("inline: top entries read again")
            self._failing = False
        return [(row.provider, row.key) for row in report.top]
