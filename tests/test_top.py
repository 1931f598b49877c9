"""The entries an empty inline query offers: the week's most looked up, or examples while the
database fails, which the log says once, and once again when it reads."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest

from bot.analytics.reports import Report, TopEntry
from bot.core.catalog import Catalog
from bot.store import StorageUnavailable
from bot.telegram.top import EXAMPLES, TopEntries
from tests.support.lookups import NOW

WEEK = replace(
    Report.empty(7, NOW),
    top=[TopEntry("notificore", "35", "Invalid sender", 9, 4, 0, 9, "35")],
)


class Flaky:
    """Reports whose database fails until ``back`` (a unit test's stand-in for Reports)."""

    def __init__(self) -> None:
        self.back = False

    async def report(self, days: int = 7, top: int = 10, **_: Any) -> Report:
        if not self.back:
            raise StorageUnavailable("data/bot.sqlite3: disk I/O error")
        return WEEK


async def test_a_failing_database_is_said_once_and_its_return_once(
    catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    reports = Flaky()
    top = TopEntries(reports, ttl=0)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="bot.telegram.top"):
        for _ in range(3):
            offered = await top.matches(catalog)
            assert [f"{m.slug} {m.entry.code}" for m in offered] == list(EXAMPLES)
        reports.back = True
        offered = await top.matches(catalog)
        await top.matches(catalog)
    assert [f"{m.slug} {m.entry.code}" for m in offered] == ["notificore 35"]
    assert [r.getMessage() for r in caplog.records] == [
        "inline: top entries unavailable, offering examples: data/bot.sqlite3: disk I/O error",
        "inline: top entries read again",
    ]
