"""A report and the export read through the named queries of queries.sql, the same for either
database: the store hands in ``fetch`` over its read-only snapshot."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.analytics.days import iso_day
from bot.analytics.reports import (
    EXPORT_COLUMNS,
    OUTCOMES,
    DayCount,
    Feedback,
    Gap,
    Period,
    ProviderCount,
    Report,
    TopEntry,
    export_row,
)

# The rows of a named query, with its parameters (one snapshot's).
Fetch = Callable[[str, dict[str, Any]], Awaitable[Sequence[Sequence[Any]]]]


async def read_report(fetch: Fetch, days: int, top: int, now: float | None = None) -> Report:
    """The report from the daily totals and votes only."""
    period = Period.ending(days, now)
    bounds = period.params()

    async def rows(name: str, **extra: Any) -> Sequence[Sequence[Any]]:
        return await fetch(name, {**bounds, **extra})

    outcomes = {outcome: count for outcome, count in await rows("outcomes")}
    per_day = {day: count for day, count in await rows("per_day")}
    users = await rows("unique_users")
    counts = {outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES}
    return Report(
        period_days=days,
        total=sum(counts.values()),
        found=counts["found"],
        not_found=counts["not_found"],
        unique_users=users[0][0] if users else 0,
        top=await _top(await rows("top_entries", top=top), period, fetch),
        gaps=[Gap(gap, count) for gap, count in await rows("gaps", top=top)],
        feedback=[
            Feedback(provider, code, title or "", yes, no, key)
            for provider, key, code, title, yes, no in await rows("feedback", top=top)
        ],
        several=counts["several"],
        not_an_error=counts["not_an_error"],
        per_provider=[ProviderCount(p, n) for p, n in await rows("per_provider")],
        per_day=[DayCount(iso_day(day), per_day.get(day, 0)) for day in period.days()],
        first_day=iso_day(period.first),
        last_day=iso_day(period.last),
    )


async def _top(found: Sequence[Sequence[Any]], period: Period, fetch: Fetch) -> list[TopEntry]:
    if not found:
        return []
    entries = json.dumps([[provider, key] for provider, key, *_ in found])
    previous = await _per_entry(fetch, "entry_counts", period.before(), entries)
    users = await _per_entry(fetch, "entry_users", period, entries)
    return [
        TopEntry(
            provider=provider,
            code=code,
            title=title or "",
            count=count,
            users=users.get((provider, key), 0),
            previous=previous.get((provider, key), 0),
            change=count - previous.get((provider, key), 0),
            key=key,
        )
        for provider, key, code, title, count in found
    ]


async def _per_entry(
    fetch: Fetch, name: str, period: Period, entries: str
) -> dict[tuple[str, str], int]:
    found = await fetch(name, {**period.params(), "entries": entries})
    return {(provider, key): value for provider, key, value in found}


async def read_export(fetch: Fetch, days: int, now: float | None = None) -> str:
    """The period's lookups as CSV text: a header, then one row per lookup, oldest first, the
    time in ISO 8601 UTC and the person as their pseudonymous key in 16 hex digits."""
    rows = await fetch("export", Period.ending(days, now).params())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(export_row(row) for row in rows)
    return out.getvalue()
