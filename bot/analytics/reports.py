"""Reports from the daily totals; the raw lookups as CSV (plain sqlite3: the CLI starts fast)."""

from __future__ import annotations

import errno
import io
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.analytics.days import day_number, iso_day, midnight
from bot.analytics.queries import sql
from bot.analytics.schema import DatabaseTooNew, DatabaseTooOld, latest_version, read_version

# typing and dataclasses would add some 30 ms to `python -m bot stats`' 100 here; the
# annotations below are never evaluated, so the names need to exist only for type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

OUTCOMES = ("found", "several", "not_found", "not_an_error")
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
_SIGNED = re.compile(r"[+-]\d+")


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
    with _reader(path) as connection:
        return build_report(connection, days, top, now)


def build_report(
    connection: sqlite3.Connection | None, days: int, top: int, now: float | None = None
) -> dict[str, Any]:
    """The report from the daily totals and votes only (``connection`` None: nothing logged)."""
    period = Period.ending(days, now)
    bounds = period.params()

    def rows(name: str, **extra: Any) -> list[Any]:
        if connection is None:
            return []
        return connection.execute(sql(name), {**bounds, **extra}).fetchall()

    outcomes = dict(rows("outcomes"))
    per_day = dict(rows("per_day"))
    users = rows("unique_users")[0][0] if connection else 0
    counts = {outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES}
    return {
        "period_days": days,
        "total": sum(counts.values()),
        "found": counts["found"],
        "not_found": counts["not_found"],
        "unique_users": users,
        "top": _top(rows("top_entries", top=top), period, connection),
        "gaps": [{"query": gap, "count": count} for gap, count in rows("gaps", top=top)],
        "feedback": [
            {"provider": p, "code": code, "title": title or "", "helpful": yes, "not_helpful": no}
            for p, _key, code, title, yes, no in rows("feedback", top=top)
        ],
        "several": counts["several"],
        "not_an_error": counts["not_an_error"],
        "per_provider": [{"provider": p, "count": n} for p, n in rows("per_provider")],
        "per_day": [{"day": iso_day(day), "count": per_day.get(day, 0)} for day in period.days()],
        "first_day": iso_day(period.first),
        "last_day": iso_day(period.last),
    }


def _top(
    found: list[Any], period: Period, connection: sqlite3.Connection | None
) -> list[dict[str, Any]]:
    if not found or connection is None:
        return []
    entries = json.dumps([[provider, key] for provider, key, *_ in found])
    previous = dict(_per_entry(connection, "entry_counts", period.before(), entries))
    users = dict(_per_entry(connection, "entry_users", period, entries))
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


def _per_entry(
    connection: sqlite3.Connection, name: str, period: Period, entries: str
) -> Iterator[tuple[tuple[str, str], int]]:
    params = {**period.params(), "entries": entries}
    for provider, key, value in connection.execute(sql(name), params):
        yield (provider, key), value


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
        for at, channel, chat, person, *middle, query, took_ms, entries in rows:
            person = f"{person & 0xFFFF_FFFF_FFFF_FFFF:016x}" if person is not None else ""
            writer.writerow(
                [_iso(at), channel, chat, person, *middle, _cell(query), f"{took_ms:.2f}", entries]
            )


def format_table(report: dict[str, Any]) -> str:
    """The report as aligned text for a terminal."""
    lines = [
        f"Lookups, {report['period_days']} days: "
        f"{report['first_day']} to {report['last_day']} (UTC)",
        "",
        f"total {report['total']}  ·  found {report['found']}  ·  several {report['several']}  ·  "
        f"not found {report['not_found']}  ·  not an error {report['not_an_error']}  ·  "
        f"people {report['unique_users']}",
        "",
        "Most looked up",
    ]
    lines += _aligned(
        ["#", "provider", "code", "title", "count", "people", "before", "change"],
        [_top_row(n, entry) for n, entry in enumerate(report["top"], 1)],
    )
    lines += ["", "Asked, not in any catalog"]
    lines += _aligned(["count", "query"], [[g["count"], g["query"]] for g in report["gaps"]])
    lines += ["", "Feedback"]
    lines += _aligned(
        ["provider", "code", "title", "helpful", "not helpful"],
        [
            [f["provider"], f["code"] or "-", f["title"], f["helpful"], f["not_helpful"]]
            for f in report["feedback"]
        ],
    )
    return "\n".join(lines)


def _top_row(n: int, e: dict[str, Any]) -> list[Any]:
    change = f"{e['change']:+d}"
    return [
        n,
        e["provider"],
        e["code"] or "-",
        e["title"],
        e["count"],
        e["users"],
        e["previous"],
        change,
    ]


def format_csv(report: dict[str, Any]) -> str:
    """The report's top list as CSV."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = ["provider", "code", "title", "count", "users", "previous", "change"]
    writer.writerow(columns)
    writer.writerows([entry[column] for column in columns] for entry in report["top"])
    return out.getvalue()


def _aligned(headers: list[str], rows: list[list[Any]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    table = [headers, *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    # Numbers line up on the right, words on the left.
    right = [isinstance(cell, int) or _SIGNED.fullmatch(str(cell)) for cell in rows[0]]
    return [
        "  "
        + "  ".join(
            cell.rjust(width) if flush else cell.ljust(width)
            for cell, width, flush in zip(row, widths, right, strict=True)
        ).rstrip()
        for row in table
    ]


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
