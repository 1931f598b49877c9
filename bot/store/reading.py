"""A report and the export read through the named queries of queries.sql, the same for either
database: the store hands in ``fetch`` over its read-only snapshot."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, NamedTuple, Protocol

from bot.analytics.days import iso_day
from bot.analytics.reports import (
    EXPORT_COLUMNS,
    OUTCOMES,
    DayCount,
    Feedback,
    Gap,
    HandoffEntry,
    Period,
    ProviderCount,
    Report,
    TopEntry,
    export_row,
)

# The rows of a named query, with its parameters (one snapshot's).
Fetch = Callable[[str, dict[str, Any]], Awaitable[Sequence[Sequence[Any]]]]
# ...and a batch of at most so many rows at a time, from one cursor (the query run once).
Batches = Callable[[str, dict[str, Any], int], AsyncIterator[Sequence[Sequence[Any]]]]


class Snapshot(NamedTuple):
    """Named queries read in one read-only transaction: whole, or a batch at a time."""

    fetch: Fetch
    batches: Batches


# The lookups an export holds at a time, whatever the period: a batch is held as rows and as
# its CSV, and 5,000 put 6 MB on the command's peak (300,000 lookups: 55 MB of RSS, a day's few
# 49; the period read whole, 373 MB), 20,000 put 45 MB; fewer add round trips for nothing.
EXPORT_BATCH = 5000


class Writes(Protocol):
    """Where an export goes: a text file, stdout."""

    def write(self, text: str, /) -> object: ...


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
    report = Report(
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
    return await _with_handoffs(report, fetch, period, top)


async def _with_handoffs(report: Report, fetch: Fetch, period: Period, top: int) -> Report:
    """The report with the period's handoffs: how many, the time to the first reply, how they
    ended, the conversations live now, and the entries that sent most people to a person."""
    rows = await fetch("handoff_rows", period.params())
    live = sum(count for _, count in await fetch("live_counts", {}))
    waits = sorted(replied - opened for _, _, opened, replied, _, _ in rows if replied is not None)
    ended = Counter(verdict or "none" for *_, closed, verdict in rows if closed is not None)
    about = Counter((provider, key) for provider, key, *_ in rows if provider and key)
    return replace(
        report,
        handoffs=len(rows),
        conversations_open=live,
        first_reply_median=_percentile(waits, 0.5),
        first_reply_p90=_percentile(waits, 0.9),
        closed_solved=ended["solved"],
        closed_not_solved=ended["not_solved"],
        closed_no_verdict=ended["none"],
        handoff_entries=await _handoff_entries(about, fetch, period, top),
    )


async def _handoff_entries(
    about: Counter[tuple[str, str]], fetch: Fetch, period: Period, top: int
) -> list[HandoffEntry]:
    """The ``top`` entries by handoffs, each with its lookups and deflection."""
    chosen = sorted(about, key=lambda entry: (-about[entry], entry))[:top]
    if not chosen:
        return []
    entries = json.dumps([list(entry) for entry in chosen])
    lookups = await _per_entry(fetch, "entry_counts", period, entries)
    named = {(p, k): (code, title) for p, k, code, title in await fetch(
        "entry_titles", {"entries": entries})}  # fmt: skip
    return [
        HandoffEntry(
            provider=provider,
            code=named.get((provider, key), (None, ""))[0],
            title=named.get((provider, key), (None, ""))[1] or "",
            handoffs=about[(provider, key)],
            lookups=lookups.get((provider, key), 0),
            deflection=deflection(about[(provider, key)], lookups.get((provider, key), 0)),
            key=key,
        )
        for provider, key in chosen
    ]


def _percentile(ordered: list[float], share: float) -> float | None:
    """The nearest-rank percentile of sorted values (the median of two is their mean)."""
    if not ordered:
        return None
    if share == 0.5 and len(ordered) % 2 == 0:
        middle = len(ordered) // 2
        return (ordered[middle - 1] + ordered[middle]) / 2
    return ordered[math.ceil(share * len(ordered)) - 1]


def deflection(handoffs: int, lookups: int) -> float | None:
    """The share of an entry's lookups not followed by a handoff about it, each handoff counted
    against one lookup (rounded to a thousandth); None without lookups."""
    if not lookups:
        return None
    return round(max(lookups - handoffs, 0) / lookups, 3)


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


async def read_export(batches: Batches, out: Writes, days: int, now: float | None = None) -> None:
    """The period's lookups as CSV text written to ``out``, a batch at a time: a header, then
    one row per lookup, oldest first, the time in ISO 8601 UTC and the person as their
    pseudonymous key in 16 hex digits. Nothing is written until the first batch is read (no
    header before an error). What ``out`` raises comes out as Unwritten."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    async for rows in batches("export", Period.ending(days, now).params(), EXPORT_BATCH):
        writer.writerows(export_row(row) for row in rows)
        _write(out, text)
    _write(out, text)  # the header, when the period has no lookup


def _write(out: Writes, text: io.StringIO) -> None:
    if written := text.getvalue():
        try:
            out.write(written)
        except Exception as exc:
            raise Unwritten(exc) from exc
        text.seek(0)
        text.truncate()


class Unwritten(Exception):
    """The export's output failed (a full disk, a closed pipe): not the database, which a
    snapshot would take an OSError for."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error
