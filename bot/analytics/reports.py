"""Reports from the daily totals; the raw lookups as CSV (plain sqlite3: the CLI starts fast)."""

from __future__ import annotations

import errno
import io
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.analytics.days import day_number, iso_day, midnight
from bot.analytics.kinds import LookupOutcome
from bot.store.queries import sql
from bot.store.schema import DatabaseTooNew, DatabaseTooOld, latest_version, read_version

# typing and dataclasses would add some 30 ms to `python -m bot stats`' 100 here; the
# annotations below are never evaluated, so the names need to exist only for type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Sequence
    from typing import Any, TextIO, TypeVar

    T = TypeVar("T")
    # A report's queries, by name: the SQLite or the PostgreSQL connection behind it.
    Fetch = Callable[[str, dict[str, Any]], Awaitable[list[Any]]]

OUTCOMES = tuple(outcome.value for outcome in LookupOutcome)
EXPORT_COLUMNS = (
    "time",
    "channel",
    "chat_type",
    "user_key",
    "provider",
    "entry_key",
    "code",
    "outcome",
    "query",
    "took_ms",
    "entries",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Period:
    """Whole UTC days, ``first`` to ``last`` inclusive (day numbers, see days.py)."""

    __slots__ = ("first", "last")

    def __init__(self, first: int, last: int) -> None:
        self.first, self.last = first, last

    @classmethod
    def ending(cls, days: int, now: float | None = None) -> Period:
        """The last ``days`` days, today (UTC) included."""
        last = day_number(time.time() if now is None else now)
        return cls(last - days + 1, last)

    def days(self) -> list[int]:
        """Every day of the period, oldest first."""
        return list(range(self.first, self.last + 1))

    def before(self) -> Period:
        """The period of the same length just before this one."""
        length = self.last - self.first + 1
        return Period(self.first - length, self.last - length)

    def params(self) -> dict[str, Any]:
        """The bounds as the queries in queries.sql name them."""
        return {
            "first": self.first,
            "last": self.last,
            "days": json.dumps(self.days()),
            "since": midnight(self.first),
            "until": midnight(self.last + 1),
        }


def read_report(
    path: Path, days: int = 7, top: int = 10, now: float | None = None
) -> dict[str, Any]:
    """The report for the database at ``path``; an empty one, creating nothing, if it is missing.

    ``top`` bounds each list: the entries looked up most, the gaps and the feedback.
    """
    return read_sqlite(path, lambda fetch: build_report(fetch, days, top, now))


def read_sqlite(path: Path, work: Callable[[Fetch], Coroutine[Any, Any, T]]) -> T:
    """``work`` over the named queries of the database at ``path``, in one read-only
    transaction (a report, or several read together, as the digest does); a missing file
    answers every query with nothing, and is not made."""
    with _reader(path) as connection:
        return drive(work(sqlite_fetch(connection)))


def sqlite_fetch(connection: sqlite3.Connection | None) -> Fetch:
    """The report's queries on a SQLite connection (None: a database not made yet)."""

    async def fetch(name: str, params: dict[str, Any]) -> list[Any]:
        if connection is None:
            return []
        return connection.execute(sql(name), params).fetchall()

    return fetch


def drive(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never waits (the SQLite fetch answers at once): the
    report is written once, for SQLite read here and for PostgreSQL awaited, and the command
    line need not start an event loop for it."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("the report waited on something: drive() is for SQLite's fetch")


async def build_report(
    fetch: Fetch, days: int, top: int, now: float | None = None
) -> dict[str, Any]:
    """The report from the daily totals and votes only."""
    period = Period.ending(days, now)
    bounds = period.params()

    async def rows(name: str, **extra: Any) -> list[Any]:
        return await fetch(name, {**bounds, **extra})

    outcomes = dict(await rows("outcomes"))
    per_day = dict(await rows("per_day"))
    users = await rows("unique_users")
    counts = {outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES}
    return {
        "period_days": days,
        "total": sum(counts.values()),
        "found": counts["found"],
        "not_found": counts["not_found"],
        "unique_users": users[0][0] if users else 0,
        "top": await _top(await rows("top_entries", top=top), period, fetch),
        "gaps": [{"query": gap, "count": count} for gap, count in await rows("gaps", top=top)],
        "feedback": [
            {"provider": p, "code": code, "title": title or "", "helpful": yes, "not_helpful": no}
            for p, _key, code, title, yes, no in await rows("feedback", top=top)
        ],
        "several": counts["several"],
        "not_an_error": counts["not_an_error"],
        "per_provider": [{"provider": p, "count": n} for p, n in await rows("per_provider")],
        "per_day": [{"day": iso_day(day), "count": per_day.get(day, 0)} for day in period.days()],
        "first_day": iso_day(period.first),
        "last_day": iso_day(period.last),
    }


async def _top(found: list[Any], period: Period, fetch: Fetch) -> list[dict[str, Any]]:
    if not found:
        return []
    entries = json.dumps([[provider, key] for provider, key, *_ in found])
    previous = await _per_entry(fetch, "entry_counts", period.before(), entries)
    users = await _per_entry(fetch, "entry_users", period, entries)
    return [
        {
            "provider": provider,
            "code": code,
            "title": title or "",
            "count": count,
            "users": users.get((provider, key), 0),
            "previous": previous.get((provider, key), 0),
            "change": count - previous.get((provider, key), 0),
            "key": key,
        }
        for provider, key, code, title, count in found
    ]


async def _per_entry(
    fetch: Fetch, name: str, period: Period, entries: str
) -> dict[tuple[str, str], int]:
    found = await fetch(name, {**period.params(), "entries": entries})
    return {(provider, key): value for provider, key, value in found}


def export_csv(path: Path, days: int = 7, now: float | None = None) -> str:
    """The lookups of the last ``days`` days as CSV text (see write_export)."""
    out = io.StringIO()
    write_export(path, out, days, now)
    return out.getvalue()


def write_export(path: Path, out: TextIO, days: int = 7, now: float | None = None) -> None:
    """Write the period's lookups to ``out`` as CSV: a header, then one row per lookup, oldest
    first, the time in ISO 8601 UTC and the person as their pseudonymous key in 16 hex digits."""
    import csv

    writer = csv.writer(out, lineterminator="\n")
    with _reader(path) as connection:
        params = Period.ending(days, now).params()
        rows = connection.execute(sql("export"), params) if connection is not None else ()
        writer.writerow(EXPORT_COLUMNS)  # only once the database has answered
        writer.writerows(export_row(row) for row in rows)


def export_row(row: Sequence[Any]) -> list[Any]:
    """A lookup as a CSV row: the time in ISO 8601 UTC, the person as their pseudonymous key
    in 16 hex digits, a question that a spreadsheet would run as a formula quoted."""
    at, channel, chat, person, *middle, query, took_ms, entries = row
    shown = f"{person & 0xFFFF_FFFF_FFFF_FFFF:016x}" if person is not None else ""
    return [_iso(at), channel, chat, shown, *middle, _cell(query), f"{took_ms:.2f}", entries]


@contextmanager
def _reader(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection to the database at ``path``, or None if there is no file yet.
    A path that can never be a database (a folder, or a file where a folder should be) raises
    OSError, rather than passing for an empty database."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a folder, not a database file")
    if not path.exists():
        blocker = next((p for p in path.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{blocker} is a file, not a folder")
        yield None
        return
    uri = f"{path.resolve().as_uri()}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout = 5000")
        version, known = read_version(connection), latest_version()
        if version > known:
            raise DatabaseTooNew(path, version, known)
        if version < known:
            raise DatabaseTooOld(path, version, known)
        # One read transaction: every number in a report comes from the same moment.
        connection.execute("BEGIN")
        yield connection
    finally:
        connection.close()


def _iso(at: float) -> str:
    milliseconds = int(at * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{milliseconds:03d}Z"


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text
