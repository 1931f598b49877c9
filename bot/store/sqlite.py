"""The lookup log's database as a SQLite file, through aiosqlite: one writer connection (a
batch of lookups, a prune, a teach: each one transaction, one at a time), and read-only
connections of their own for reports and for the commands that only read."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.store.base import Checked, unavailable
from bot.store.conversations import ConversationQueries
from bot.store.guarded import Guarded
from bot.store.named import NamedQueries
from bot.store.queries import sql
from bot.store.reading import Snapshot
from bot.store.sqlite_schema import (
    apply_migrations,
    connect,
    connect_reader,
    examine,
    transaction,
)

if TYPE_CHECKING:
    from bot.analytics.rollup import Batch, Stored

logger = logging.getLogger(__name__)

# What a failing database raises: sqlite3 errors, OSError (the folder cannot be made), and
# aiosqlite's ValueError for a connection whose thread has gone.
FAILURES = (sqlite3.Error, OSError, ValueError)
# What pruning deletes besides the lookups themselves (queries.sql).
PRUNED = (
    "prune_votes", "prune_outcomes", "prune_providers", "prune_entries", "prune_users",
    "prune_entry_users", "prune_gaps", "prune_radar_alerts", "prune_conversations",
)  # fmt: skip


class SqliteStore(Guarded[Any], NamedQueries, ConversationQueries):
    """The lookup log's SQLite file (``read_only``: never made, migrated or written here).

    On Linux a removed database file keeps accepting writes through an open connection, into a
    file nobody will read again: the file's device and inode are checked before each use, and
    a file removed or replaced is opened anew.
    """

    WRITES_ELSEWHERE = False
    FAILURES = FAILURES

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        super().__init__(read_only=read_only)
        self._db: aiosqlite.Connection | None = None
        self._file: tuple[int, int] | None = None
        self._missing = False

    def __str__(self) -> str:
        return str(self.path)

    @property
    def spill_path(self) -> Path:
        """Where rows go that could not be written when the bot stopped."""
        return self.path.with_name(f"{self.path.name}.pending")

    @property
    def missing(self) -> bool:
        """Read-only, and the file was not there: every read answered with nothing."""
        return self._missing

    async def open(self) -> None:
        """Connect (and migrate, unless read-only), unless connected to the file now at the
        path."""
        async with self._connection():
            pass

    async def migrate(self) -> list[str]:
        """Apply the pending migrations to the file (made if missing); their names."""
        try:
            db = await connect(self.path)
            try:
                return await apply_migrations(db, self.path)
            finally:
                await db.close()
        except FAILURES as exc:
            raise unavailable(self, exc) from exc

    async def examine(self) -> Checked:
        """Whether the file can be written and is current, changing nothing."""
        return await examine(self.path)

    async def write(self, rows: Sequence[Stored]) -> None:
        """Insert ``rows`` and add them to the daily totals, in one transaction."""
        # Here, not at the top: the commands that only read start without masking's patterns.
        from bot.analytics.rollup import roll_up

        batch = roll_up(rows)
        async with self._connection(writing=True) as db, transaction(db):
            for name, values in [("insert_lookup", batch.lookups), *rollup_statements(batch)]:
                if values:
                    await db.executemany(sql(name), values)

    async def prune(self, first_day: int, first_at: float) -> int:
        """Delete every row from before ``first_day``; how many lookups went."""
        bounds = {"day": first_day, "at": first_at}
        async with self._connection(writing=True) as db, transaction(db):
            cursor = await db.execute(sql("prune_lookups"), bounds)
            for name in PRUNED:
                await db.execute(sql(name), bounds)
        return int(cursor.rowcount)

    async def close(self) -> None:
        """Close the connection (a failure to close is no news: the file is what matters)."""
        async with self._lock:
            await self._close()

    # The three ways NamedQueries runs a query ---------------------------------------------------

    async def _rows(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        async with self._connection() as db:
            if db is None:
                return []
            return [tuple(row) for row in await db.execute_fetchall(sql(name), params)]

    async def _change(self, name: str, params: Mapping[str, Any]) -> int:
        async with self._connection(writing=True) as db, transaction(db):
            cursor = await db.execute(sql(name), params)
        return int(cursor.rowcount)

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[Snapshot]:
        """A read-only connection of its own, in one read transaction: a report neither waits
        for the writer nor holds it up."""
        try:
            db = await connect_reader(self.path)
        except FAILURES as exc:
            raise unavailable(self, exc) from exc
        if db is None:
            self._missing = self.read_only

        async def fetch(name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
            if db is None:
                return []
            return [tuple(row) for row in await db.execute_fetchall(sql(name), params)]

        async def batches(
            name: str, params: dict[str, Any], size: int
        ) -> AsyncIterator[list[tuple[Any, ...]]]:
            if db is None:
                return
            async with db.execute(sql(name), params) as cursor:
                while rows := await cursor.fetchmany(size):
                    yield [tuple(row) for row in rows]

        try:
            if db is None:
                yield Snapshot(fetch, batches)
                return
            async with transaction(db, "BEGIN"):
                yield Snapshot(fetch, batches)
        except FAILURES as exc:
            raise unavailable(self, exc) from exc
        finally:
            if db is not None:
                await db.close()

    # The connection ----------------------------------------------------------------------------

    async def _connected(self) -> aiosqlite.Connection | None:
        if self._db is not None and _file_id(self.path) == self._file:
            return self._db
        if self._db is not None:
            logger.warning("lookup log: %s was removed or replaced; opening it anew", self.path)
        await self._close()
        if self.read_only:
            db = await connect_reader(self.path)
            self._missing = db is None
        else:
            db = await connect(self.path)
            try:
                await apply_migrations(db, self.path)
            except BaseException:
                await db.close()
                raise
        self._db, self._file = db, _file_id(self.path)
        return db

    async def _close(self) -> None:
        db, self._db, self._file = self._db, None, None
        if db is not None:
            with suppress(Exception):
                await db.close()


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
