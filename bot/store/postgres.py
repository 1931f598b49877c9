"""The lookup log in PostgreSQL (DATABASE_URL), through asyncpg: the same migrations (each in
PostgreSQL's own file where the two differ), the same rows and daily totals, the same reports.

Replicas share it: migrations take an advisory lock, so two starting at once apply each one
once; every write is one transaction; lookups go in with COPY, the fastest way PostgreSQL
takes rows.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import asyncpg

from bot.analytics.reports import EXPORT_COLUMNS, Period, build_report, export_row
from bot.analytics.rollup import Stored, roll_up
from bot.logs import without_password
from bot.store.queries import numbered, sql
from bot.store.schema import DatabaseTooNew, DatabaseTooOld, migrations
from bot.store.sqlite import PRUNED, rollup_statements, statements

logger = logging.getLogger(__name__)

DIALECT = "postgres"
CONNECT_TIMEOUT = 5.0
_MIGRATION_LOCK = 0x636F6465626F6F6B  # "codebook": one replica migrates at a time
LOOKUP_COLUMNS = (
    "at", "channel", "chat_type", "user_key", "provider", "entry_key", "code", "outcome",
    "query", "took_ms", "entry_count", "other_entries",
)  # fmt: skip


async def connect(url: str) -> asyncpg.Connection:
    """A connection, given up on after CONNECT_TIMEOUT."""
    return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)


FAILURES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
    asyncio.TimeoutError,
    DatabaseTooNew,
)


class PostgresStore:
    """The lookup log's PostgreSQL database, through one connection (the writer's)."""

    FAILURES = FAILURES
    WRITES_ELSEWHERE = True

    def __init__(self, url: str, spill_path: Path) -> None:
        self.url = url
        self.spill_path = spill_path  # this replica's own: where its stop spills
        self._db: asyncpg.Connection | None = None

    def __str__(self) -> str:
        return without_password(self.url)

    async def open(self) -> None:
        """Connect and migrate, unless connected."""
        if self._db is not None and not self._db.is_closed():
            return
        await self.close()
        db = await connect(self.url)
        try:
            await apply_migrations(db, str(self))
        except BaseException:
            await db.close()
            raise
        self._db = db

    async def write(self, rows: Sequence[Stored]) -> None:
        """Insert ``rows`` and add them to the daily totals, in one transaction."""
        db = await self._open()
        batch = roll_up(rows)
        async with db.transaction():
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
        db = await self._open()
        bounds = {"day": first_day, "at": first_at}
        async with db.transaction():
            status = await db.execute(*_call("prune_lookups", bounds))
            for name in PRUNED:
                await db.execute(*_call(name, bounds))
        return int(status.split()[-1])

    async def teach(self, phrase: str, provider: str, key: str, at: float) -> None:
        """Remember that ``phrase`` means that entry."""
        db = await self._open()
        await db.execute(numbered(sql("teach", DIALECT))[0], phrase, provider, key, at)

    async def forget(self, phrase: str) -> int:
        """Forget what ``phrase`` was taught; how many entries it meant."""
        db = await self._open()
        status = await db.execute(numbered(sql("forget", DIALECT))[0], phrase)
        return int(status.split()[-1])

    async def taught(self) -> list[tuple[str, str, str]]:
        """Every phrase taught, with each entry it means, oldest first."""
        db = await self._open()
        return [tuple(row) for row in await db.fetch(sql("taught", DIALECT))]

    async def fetch(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of the named query (the radar's reads)."""
        db = await self._open()
        return [tuple(row) for row in await db.fetch(*_call(name, params))]

    async def execute(self, name: str, params: Mapping[str, Any]) -> int:
        """The named statement; the rows it changed."""
        db = await self._open()
        status = await db.execute(*_call(name, params))
        return int(status.split()[-1])

    async def migrate(self) -> list[str]:
        """Apply the pending migrations (the command line's migrate); their names."""
        db = await connect(self.url)
        try:
            return await apply_migrations(db, str(self))
        finally:
            await db.close()

    async def read_report(self, days: int, top: int, now: float | None = None) -> dict[str, Any]:
        """A report, through a connection of its own, in one read-only snapshot."""
        db = await connect(self.url)
        try:
            await self._current(db)
            async with db.transaction(isolation="repeatable_read", readonly=True):

                async def fetch(name: str, params: dict[str, Any]) -> list[Any]:
                    return [tuple(row) for row in await db.fetch(*_call(name, params))]

                return await build_report(fetch, days, top, now)
        finally:
            await db.close()

    async def export_csv(self, days: int, now: float | None = None) -> str:
        """The period's lookups as CSV text, as reports.write_export writes SQLite's."""
        params = Period.ending(days, now).params()
        db = await connect(self.url)
        try:
            await self._current(db)
            rows = await db.fetch(*_call("export", params))
        finally:
            await db.close()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(export_row(tuple(row)) for row in rows)
        return out.getvalue()

    async def analytics_key(self) -> bytes:
        """The key this database keeps for pseudonyms, made by the first replica to ask."""
        db = await self._open()
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
        db, self._db = self._db, None
        if db is not None and not db.is_closed():
            try:
                await asyncio.wait_for(db.close(), CONNECT_TIMEOUT)
            except Exception:
                db.terminate()

    async def _current(self, db: asyncpg.Connection) -> None:
        """Refuse a database migrated by other code than this (a report would misread it)."""
        version, known = await read_version(db), len(migrations(dialect=DIALECT))
        if version > known:
            raise DatabaseTooNew(str(self), version, known)
        if version < known:
            raise DatabaseTooOld(str(self), version, known)

    async def _open(self) -> asyncpg.Connection:
        await self.open()
        assert self._db is not None
        return self._db


async def apply_migrations(db: asyncpg.Connection, where: str) -> list[str]:
    """Apply the pending migrations, each in one transaction with its record, holding the
    advisory lock so that replicas starting together apply each one once."""
    names = []
    known = migrations(dialect=DIALECT)
    for migration in known:
        async with db.transaction():
            await db.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await db.execute(sql("create_schema_migrations", DIALECT))
            applied = {r[0] for r in await db.fetch(sql("applied_versions", DIALECT))}
            newest = max(applied, default=0)
            if newest > len(known):
                raise DatabaseTooNew(where, newest, len(known))
            if migration.version in applied:
                continue
            for statement in statements(migration.path.read_text(encoding="utf-8")):
                await db.execute(statement)
            record = numbered(sql("record_migration", DIALECT))[0]
            await db.execute(record, migration.version, migration.name, time.time())
        logger.info("%s: applied migration %s", where, migration.name)
        names.append(migration.name)
    return names


def _call(name: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
    """A named statement and its arguments, as asyncpg's calls take them."""
    statement, args = numbered(sql(name, DIALECT), params)
    return (statement, *args)


async def read_version(db: asyncpg.Connection) -> int:
    """The highest migration applied, 0 for a database never migrated."""
    if not await db.fetchval(sql("has_schema_migrations", DIALECT)):
        return 0
    return int(await db.fetchval(sql("schema_version", DIALECT)))
