"""Helpers for the analytics tests: lookups built in a line, a fixed clock, reading a database."""

from __future__ import annotations

import sqlite3
from calendar import timegm
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.analytics.rollup import Lookup, LookupEntry
from bot.analytics.writer import LookupLog
from bot.store import Store
from bot.store.postgres import PostgresStore
from bot.store.queries import numbered
from bot.store.sqlite import SqliteStore

# A fixed "now" for reports: 2024-05-10 12:00 UTC. The 7-day period ending then is
# 2024-05-04 .. 2024-05-10; the one before it 2024-04-27 .. 2024-05-03.
NOW = float(timegm((2024, 5, 10, 12, 0, 0)))
SECRET = b"test secret, not a real one"
# The keys `stats --format json` starts with: a stable interface (DESIGN.md).
STABLE_KEYS = ["period_days", "total", "found", "not_found", "unique_users", "top", "gaps"]
STABLE_KEYS += ["feedback"]


def at(day: str, hour: int = 12) -> float:
    """Epoch seconds of ``hour`` o'clock UTC on ``day`` ('YYYY-MM-DD')."""
    year, month, date = map(int, day.split("-"))
    return float(timegm((year, month, date, hour, 0, 0)))


def entry(provider: str, code: str, title: str | None = None) -> LookupEntry:
    """A catalog entry keyed by its code."""
    return LookupEntry(provider, code, code, title or f"{provider} error {code}")


def lookup(
    when: float,
    user: int | None = 1,
    *shown: LookupEntry,
    outcome: str | None = None,
    query: str | None = None,
    provider: str | None = None,
    channel: str = "private",
) -> Lookup:
    """A lookup that showed ``shown``; found (or several) unless told otherwise."""
    if outcome is None:
        outcome = "several" if len(shown) > 1 else "found" if shown else "not_found"
    if query is None:
        query = " ".join([shown[0].provider, *(e.key for e in shown)]) if shown else "nothing"
    return Lookup(
        at=when,
        channel=channel,
        chat_type="private" if channel == "private" else "group",
        user_id=user,
        outcome=outcome,
        query=query,
        took_ms=12.5,
        entries=tuple(shown),
        provider=provider,
    )


def remove_database(path: Path) -> None:
    """Delete the database file and its WAL companions, as a careless `rm data/*` would."""
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        (path.parent / name).unlink(missing_ok=True)


def shown(key: int) -> str:
    """A pseudonym as the export writes it: 16 hex digits."""
    return f"{key & 0xFFFF_FFFF_FFFF_FFFF:016x}"


def day_of(iso: str) -> int:
    """The day number the rollups store for a 'YYYY-MM-DD' date."""
    return int(at(iso) // 86400)


def query_db(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the database at ``path``, with a connection of its own (a change
    committed)."""
    with closing(sqlite3.connect(path)) as connection, connection:
        return connection.execute(sql, params).fetchall()


@dataclass
class Backend:
    """Where a test's lookup log writes: a SQLite file in ``folder``, or PostgreSQL at ``url``."""

    name: str
    folder: Path
    url: str | None = None

    def store(self) -> Store:
        if self.url is None:
            return SqliteStore(self.folder / "bot.sqlite3")
        return PostgresStore(self.url, self.folder / "lookups.pending")

    def log(self, **options: Any) -> LookupLog:
        """A lookup log on this backend (SECRET unless ``secret`` is given)."""
        return LookupLog(self.store(), **{"secret": SECRET, **options})

    async def query(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of ``statement`` (``?`` placeholders) on this backend's database."""
        if self.url is None:
            return query_db(self.folder / "bot.sqlite3", statement, *params)
        import asyncpg

        db = await asyncpg.connect(self.url)
        try:
            query, args = numbered(statement, params)
            return [tuple(row) for row in await db.fetch(query, *args)]
        finally:
            await db.close()
