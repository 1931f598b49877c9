"""The lookup log's database in PostgreSQL (DATABASE_URL), through asyncpg: the same migrations
(each in PostgreSQL's own file where the two differ), rows, daily totals and reports as SQLite's.

Replicas share it: migrations take an advisory lock, so two starting at once apply each one
once; every write is one transaction; lookups go in with COPY, the fastest way PostgreSQL
takes rows. One connection does this process's work, one operation at a time; a report reads
through a connection of its own.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from bot.analytics.rollup import Stored, roll_up
from bot.logs import without_password
from bot.store.base import Checked, unavailable
from bot.store.conversations import ConversationQueries
from bot.store.guarded import Guarded
from bot.store.named import NamedQueries
from bot.store.postgres_schema import (
    DIALECT,
    PRUNE_TIMEOUT,
    apply_migrations,
    connect,
    examine,
    read_version,
)
from bot.store.queries import numbered, sql
from bot.store.reading import Snapshot
from bot.store.schema import check_version
from bot.store.sqlite import PRUNED, rollup_statements

FAILURES = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, asyncio.TimeoutError)
# A statement of the bot's own connection is given up on after this long: a server that stopped
# answering (a hung host, a network that drops packets) held every write, /healthz said it was
# writable and a stop never ended (found by an attack). A batch of 500 lookups takes
# milliseconds; migrations and the daily prune have bounds of their own (postgres_schema.py),
# reports connections of their own without this bound.
COMMAND_TIMEOUT = 10.0
CLOSE_TIMEOUT = 1.0  # a polite close given up on (a hung server): the socket is just dropped
LOOKUP_COLUMNS = (
    "at", "channel", "chat_type", "user_key", "provider", "entry_key", "code", "outcome",
    "query", "took_ms", "entry_count", "other_entries",
)  # fmt: skip


class PostgresStore(Guarded[asyncpg.Connection], NamedQueries, ConversationQueries):
    """The lookup log's PostgreSQL database (``read_only``: never migrated or written here)."""

    WRITES_ELSEWHERE = True
    FAILURES = FAILURES
    missing = False  # a server's database is there, or cannot be reached

    def __init__(self, url: str, spill_path: Path, *, read_only: bool = False) -> None:
        self.url = url
        self.spill_path = spill_path  # this replica's own: where its stop spills
        super().__init__(read_only=read_only)
        self._db: asyncpg.Connection | None = None

    def __str__(self) -> str:
        return without_password(self.url)

    async def open(self) -> None:
        """Connect (and migrate, unless read-only), unless connected."""
        async with self._connection():
            pass

    async def migrate(self) -> list[str]:
        """Apply the pending migrations (the command line's migrate); their names."""
        try:
            db = await connect(self.url)
            try:
                return await apply_migrations(db, str(self))
            finally:
                await db.close()
        except FAILURES as exc:
            raise unavailable(self, exc) from exc

    async def examine(self) -> Checked:
        """Whether the database takes writes and is current, changing nothing."""
        return await examine(self.url, str(self))

    async def write(self, rows: Sequence[Stored]) -> None:
        """Insert ``rows`` and add them to the daily totals, in one transaction."""
        batch = roll_up(rows)
        async with self._connection(writing=True) as db, db.transaction():
            if batch.lookups:
                await db.copy_records_to_table(
                    "lookups", records=batch.lookups, columns=LOOKUP_COLUMNS
                )
            for name, values in rollup_statements(batch):
                if values:  # one statement per table, over the batch's columns, in key
                    # order (each row starts with its unique key): index pages are then
                    # touched in turn, measured 20% less time in daily_entry_users.
                    columns = map(list, zip(*sorted(values), strict=True))
                    await db.execute(numbered(sql(name, DIALECT))[0], *columns)

    async def prune(self, first_day: int, first_at: float) -> int:
        """Delete every row from before ``first_day``; how many lookups went."""
        bounds = {"day": first_day, "at": first_at}
        async with self._connection(writing=True) as db, db.transaction():
            status = await db.execute(*_call("prune_lookups", bounds), timeout=PRUNE_TIMEOUT)
            for name in PRUNED:
                await db.execute(*_call(name, bounds), timeout=PRUNE_TIMEOUT)
        return int(status.split()[-1])

    async def shared_key(self) -> bytes:
        """The key this database keeps for pseudonyms, made by the first replica to ask (the
        key replicas share when ANALYTICS_SECRET is not set)."""
        async with self._connection(writing=True) as db:
            made = secrets.token_bytes(32)
            await db.execute(
                "INSERT INTO analytics_key (id, key, made_at) VALUES (1, $1, $2) "
                "ON CONFLICT (id) DO NOTHING",
                made,
                time.time(),
            )
            key: bytes = await db.fetchval("SELECT key FROM analytics_key WHERE id = 1")
        return key

    async def close(self) -> None:
        """Close the connection (a failure to close is no news)."""
        async with self._lock:
            await self._close()

    # The three ways NamedQueries runs a query ---------------------------------------------------

    async def _rows(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        async with self._connection() as db:
            return [tuple(row) for row in await db.fetch(*_call(name, params))]

    async def _change(self, name: str, params: Mapping[str, Any]) -> int:
        async with self._connection(writing=True) as db:
            status = await db.execute(*_call(name, params))
        return int(status.split()[-1])

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[Snapshot]:
        """A connection of its own, in one read-only snapshot (repeatable read)."""
        try:
            db = await connect(self.url)
        except FAILURES as exc:
            raise unavailable(self, exc) from exc

        async def fetch(name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in await db.fetch(*_call(name, params))]

        async def batches(
            name: str, params: dict[str, Any], size: int
        ) -> AsyncIterator[list[tuple[Any, ...]]]:
            cursor = await db.cursor(*_call(name, params))  # (in the snapshot's transaction)
            while rows := await cursor.fetch(size):
                yield [tuple(row) for row in rows]

        try:
            check_version(str(self), await read_version(db))
            async with db.transaction(isolation="repeatable_read", readonly=True):
                yield Snapshot(fetch, batches)
        except FAILURES as exc:
            # A connection lost inside the transaction is said by the transaction's end that
            # could not run ("cannot call Transaction.__aexit__()": an export cut off said only
            # that, an attack): the loss is what happened.
            lost = exc.__context__ if isinstance(exc, asyncpg.InterfaceError) else None
            cause = lost if isinstance(lost, FAILURES) else exc
            raise unavailable(self, cause) from exc
        finally:
            await _closed(db)

    # The connection ----------------------------------------------------------------------------

    async def _connected(self) -> asyncpg.Connection:
        if self._db is not None and not self._db.is_closed():
            return self._db
        await self._close()
        db = await connect(self.url, command_timeout=COMMAND_TIMEOUT)
        try:
            if self.read_only:
                check_version(str(self), await read_version(db))
            else:
                await apply_migrations(db, str(self))
        except BaseException:
            await _closed(db)
            raise
        self._db = db
        return db

    async def _close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            await _closed(db)


async def _closed(db: asyncpg.Connection) -> None:
    """Close ``db``; one that does not close in time is terminated."""
    if db.is_closed():
        return
    try:
        await asyncio.wait_for(db.close(), CLOSE_TIMEOUT)
    except Exception:
        db.terminate()


def _call(name: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
    """A named statement and its arguments, as asyncpg's calls take them."""
    statement, args = numbered(sql(name, DIALECT), params)
    return (statement, *args)
