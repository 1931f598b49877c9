"""The most looked-up entries of the past week, offered to an empty inline query."""

from __future__ import annotations

import logging
import time

from bot.analytics.reading import Reports
from bot.core.answer import Match
from bot.core.catalog import Catalog, entry_ref
from bot.store.sqlite import StorageUnavailable

logger = logging.getLogger(__name__)
EXAMPLES = ("gosms 1004", "notificore 35", "radist 17002", "mobizon 1", "gupshup 1002")


class TopEntries:
    """Reads the report at most every ``ttl`` seconds (the other cache the bot keeps, beside the
    resolver's answers); a fresh install, or a database that cannot be read, offers examples."""

    def __init__(self, reports: Reports, ttl: float = 300.0) -> None:
        self._reports = reports
        self._ttl = ttl
        self._read_at = float("-inf")
        self._keys: list[tuple[str, str]] = []

    async def matches(self, catalog: Catalog) -> list[Match]:
        """Entries, most looked-up first."""
        if time.monotonic() - self._read_at > self._ttl:
            try:
                report = await self._reports.report(days=7, top=10)
            except StorageUnavailable as exc:
                logger.warning(
                    "inline: the most looked-up entries cannot be read, offering examples "
                    "for %.0f s: %s",
                    self._ttl,
                    exc,
                )
                report = {"top": []}
            self._keys = [(row["provider"], row["key"]) for row in report["top"]]
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
