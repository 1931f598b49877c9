"""Where lookups are written: a SQLite file through one aiosqlite connection (the writer's).

Every write is one transaction (``transaction``): a batch's rows with what they add to the
daily totals, a prune, a migration with the record that it ran.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from bot.analytics import reports
from bot.analytics.rollup import Batch, Stored, roll_up
from bot.core.text import gap_key
from bot.store.queries import sql
from bot.store.schema import DatabaseTooNew, Migration, migrations

__all__ = ["DatabaseTooNew", "SqliteStore", "StorageUnavailable", "Store", "migrate"]

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class StorageUnavailable(Exception):
    """The database cannot be written (or read) now; rows stay held and the writer retries."""


class Store(Protocol):
    """Where the lookup log writes, and the reports read: SQLite here, or PostgreSQL
    (postgres.py)."""

    FAILURES: tuple[type[BaseException], ...]  # what a failing database raises
    # The database works in a server process, not in this one's threads: the writer makes the
    # next rows ready while it writes (see LookupLog._write_all).
    WRITES_ELSEWHERE: bool

    @property
    def spill_path(self) -> Path:
        """This process's file for rows a stop could not write."""

    async def open(self) -> None: ...
    async def write(self, rows: Sequence[Stored]) -> None: ...
    async def prune(self, first_day: int, first_at: float) -> int: ...
    async def teach(self, phrase: str, provider: str, key: str, at: float) -> None: ...
    async def forget(self, phrase: str) -> int: ...
    async def taught(self) -> list[tuple[str, str, str]]: ...
    async def fetch(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]: ...
    async def execute(self, name: str, params: Mapping[str, Any]) -> int: ...
    async def read_report(
        self, days: int, top: int, now: float | None = None
    ) -> dict[str, Any]: ...
    async def export_csv(self, days: int, now: float | None = None) -> str: ...
    async def analytics_key(self) -> bytes: ...
    async def close(self) -> None: ...


class SqliteStore:
    """The lookup log's SQLite file.

    On Linux a removed database file keeps accepting writes through an open connection, into a
    file nobody will read again: the file's device and inode are checked before each write, and
    a file removed or replaced is opened anew.
    """

    # What a failing database raises: sqlite3 errors, OSError (the folder cannot be made), a
    # file swapped for a newer one, and aiosqlite's ValueError for a connection whose thread
    # has gone.
    FAILURES: tuple[type[BaseException], ...] = (sqlite3.Error, OSError, DatabaseTooNew, ValueError)
    WRITES_ELSEWHERE = False

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._file: tuple[int, int] | None = None

    def __str__(self) -> str:
        return str(self.path)

    @property
    def spill_path(self) -> Path:
        """Where rows go that could not be written when the bot stopped."""
        return self.path.with_name(f"{self.path.name}.pending")

    async def open(self) -> None:
        """Connect and migrate, unless connected to the file now at the path."""
        if self._db is not None and _file_id(self.path) == self._file:
            return
        if self._db is not None:
            logger.warning("lookup log: %s was removed or replaced; opening it anew", self.path)
        await self.close()
        db = await connect(self.path)
        try:
            await apply_migrations(db, self.path)
        except BaseException:
            await db.close()
            raise
        self._db, self._file = db, _file_id(self.path)

    async def write(self, rows: Sequence[Stored]) -> None:
        """Insert ``rows`` and add them to the daily totals, in one transaction."""
        await self.open()
        assert self._db is not None
        batch = roll_up(rows)
        async with transaction(self._db):
            for name, values in [("insert_lookup", batch.lookups), *rollup_statements(batch)]:
                if values:
                    await self._db.executemany(sql(name), values)

    async def prune(self, first_day: int, first_at: float) -> int:
        """Delete every row from before ``first_day``; how many lookups went."""
        await self.open()
        assert self._db is not None
        bounds = {"day": first_day, "at": first_at}
        async with transaction(self._db):
            cursor = await self._db.execute(sql("prune_lookups"), bounds)
            for name in PRUNED:
                await self._db.execute(sql(name), bounds)
        return int(cursor.rowcount)

    async def teach(self, phrase: str, provider: str, key: str, at: float) -> None:
        """Remember that ``phrase`` means that entry."""
        await self.open()
        assert self._db is not None
        async with transaction(self._db):
            await self._db.execute(sql("teach"), (phrase, provider, key, at))

    async def forget(self, phrase: str) -> int:
        """Forget what ``phrase`` was taught; how many entries it meant."""
        await self.open()
        assert self._db is not None
        async with transaction(self._db):
            cursor = await self._db.execute(sql("forget"), (phrase,))
        return int(cursor.rowcount)

    async def taught(self) -> list[tuple[str, str, str]]:
        """Every phrase taught, with each entry it means, oldest first."""
        await self.open()
        assert self._db is not None
        rows = await self._db.execute_fetchall(sql("taught"))
        return [(phrase, provider, key) for phrase, provider, key in rows]

    async def fetch(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of the named query (the radar's reads)."""
        await self.open()
        assert self._db is not None
        return [tuple(row) for row in await self._db.execute_fetchall(sql(name), params)]

    async def execute(self, name: str, params: Mapping[str, Any]) -> int:
        """The named statement in a transaction of its own; the rows it changed."""
        await self.open()
        assert self._db is not None
        async with transaction(self._db):
            cursor = await self._db.execute(sql(name), params)
        return int(cursor.rowcount)

    async def read_report(self, days: int, top: int, now: float | None = None) -> dict[str, Any]:
        """A report, through a read-only connection of its own, in a thread."""
        return await asyncio.to_thread(reports.read_report, self.path, days, top, now)

    async def export_csv(self, days: int, now: float | None = None) -> str:
        """The period's lookups as CSV text."""
        return await asyncio.to_thread(reports.export_csv, self.path, days, now)

    async def analytics_key(self) -> bytes:
        """Never here: SQLite's key is a file kept apart from the database (key.py)."""
        raise NotImplementedError("the SQLite lookup log's key is a file of its own")

    async def close(self) -> None:
        """Close the connection (a failure to close is no news: the file is what matters)."""
        db, self._db, self._file = self._db, None, None
        if db is not None:
            with suppress(Exception):
                await db.close()


async def connect(path: Path) -> aiosqlite.Connection:
    """A connection for writing: WAL, synchronous=NORMAL, a busy timeout, and gap_text() in SQL
    (the migrations group unanswered questions as the writer does: bot.core.text.gap_key)."""
    # Refused here: aiosqlite's thread would fail after the caller's loop ended. (One stat, when
    # a connection is opened: not worth a thread.)
    if path.is_dir():  # noqa: ASYNC240
        raise IsADirectoryError(errno.EISDIR, "a folder, not a database file")
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: transactions are the explicit BEGIN ... COMMIT below, nothing implicit.
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint every ~40 MB of WAL rather than 4 MB: the day's rollup pages change in
        # every batch, and each checkpoint copies them back (and syncs) once, not ten times.
        await db.execute("PRAGMA wal_autocheckpoint = 10000")
        await db.create_function("gap_text", 1, gap_key, deterministic=True)
    except BaseException:
        await db.close()
        raise
    return db


@asynccontextmanager
async def transaction(db: aiosqlite.Connection) -> AsyncIterator[None]:
    """BEGIN IMMEDIATE (the write lock, waiting up to the busy timeout) ... COMMIT, or ROLLBACK
    if anything in between fails."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        yield
        await db.execute("COMMIT")
    except BaseException:
        # The connection may be what failed; the caller sees the first error, not this one.
        with suppress(Exception):
            if db.in_transaction:
                await db.execute("ROLLBACK")
        raise


async def migrate(path: Path) -> list[str]:
    """Apply the pending migrations to the database at ``path`` (made if missing); their names."""
    db = await connect(path)
    try:
        return await apply_migrations(db, path)
    finally:
        await db.close()


async def apply_migrations(
    db: aiosqlite.Connection, path: Path, known: Sequence[Migration] | None = None
) -> list[str]:
    """Apply the pending migrations (of ``known``, default all) on ``db``, each in one
    transaction with the row recording it."""
    await db.execute(sql("create_schema_migrations"))
    applied = {version for (version,) in await db.execute_fetchall(sql("applied_versions"))}
    known = migrations() if known is None else known
    newest = max(applied, default=0)
    if newest > len(known):
        raise DatabaseTooNew(path, newest, len(known))
    names = []
    for migration in known:
        if migration.version in applied:
            continue
        async with transaction(db):
            for statement in statements(migration.path.read_text(encoding="utf-8")):
                await db.execute(statement)
            await db.execute(
                sql("record_migration"), (migration.version, migration.name, time.time())
            )
        logger.info("%s: applied migration %s", path, migration.name)
        names.append(migration.name)
    return names


def statements(script: str) -> list[str]:
    """The SQL statements of a script, one by one (semicolons inside strings respected)."""
    found: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            found.append(current.strip())
            current = ""
    if current.strip() and not all(
        not part.strip() or part.strip().startswith("--") for part in current.splitlines()
    ):
        raise ValueError(f"an unfinished statement at the end of the script: {current.strip()!r}")
    return found


# What pruning deletes besides the lookups themselves (queries.sql).
PRUNED = (
    "prune_votes", "prune_outcomes", "prune_providers", "prune_entries", "prune_users",
    "prune_entry_users", "prune_gaps", "prune_radar_alerts",
)  # fmt: skip


def rollup_statements(batch: Batch) -> list[tuple[str, list[tuple[object, ...]]]]:
    """The statements that add a batch to the daily totals, each with its rows."""
    return [
        ("upsert_catalog_entry", [(*entry, *shown) for entry, shown in batch.entries.items()]),
        ("add_outcomes", [(*key, count) for key, count in batch.outcomes.items()]),
        ("add_providers", [(*key, count) for key, count in batch.providers.items()]),
        ("add_entries", [(*key, count) for key, count in batch.shown.items()]),
        ("add_users", list(batch.users)),
        ("add_entry_users", list(batch.entry_users)),
        ("add_gaps", [(*key, count) for key, count in batch.gaps.items()]),
        ("upsert_vote", [(*key, *verdict) for key, verdict in batch.votes.items()]),
    ]


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino
