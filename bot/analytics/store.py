"""The SQLite side of the lookup log: the writer connection, migrations, batch writes, pruning."""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

import aiosqlite

from bot.analytics.queries import sql
from bot.analytics.rollup import Batch
from bot.analytics.schema import DatabaseTooNew, Migration, migrations
from bot.text import gap_key

__all__ = ["DatabaseTooNew", "StorageUnavailable", "apply_migrations", "connect", "migrate"]

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class StorageUnavailable(Exception):
    """The database cannot be written now; the rows stay queued and the writer keeps trying."""


async def connect(path: Path) -> aiosqlite.Connection:
    """A connection for writing: WAL, synchronous=NORMAL, a busy timeout, and gap_text() in SQL
    (the migrations group unanswered questions as the writer does: bot.text.gap_key)."""
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
        # 32 MB of page cache (the default is 2 MB): the day's rollup indexes stay in memory.
        await db.execute("PRAGMA cache_size = -32000")
        await db.create_function("gap_text", 1, gap_key, deterministic=True)
    except BaseException:
        await db.close()
        raise
    return db


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
        if migration.version not in applied:
            await _apply(db, migration)
            logger.info("%s: applied migration %s", path, migration.name)
            names.append(migration.name)
    return names


async def _apply(db: aiosqlite.Connection, migration: Migration) -> None:
    # executescript() commits whatever is open before it runs, so BEGIN and COMMIT go inside the
    # script itself: the migration and the row saying it ran commit together or not at all.
    record = (
        "INSERT INTO schema_migrations (version, name, applied_at) "
        f"VALUES ({migration.version}, '{migration.name}', {time.time()!r});"
    )
    script = migration.path.read_text(encoding="utf-8")
    try:
        await db.executescript(f"BEGIN IMMEDIATE;\n{script}\n;\n{record}\nCOMMIT;")
    except BaseException:
        await _rollback(db)
        raise


async def write(db: aiosqlite.Connection, batch: Batch) -> None:
    """Insert a batch's lookups and votes and add them to the daily totals, in one transaction."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        for name, rows in _rows(batch):
            if rows:
                await db.executemany(sql(name), rows)
        await db.execute("COMMIT")
    except BaseException:
        await _rollback(db)
        raise


def _rows(batch: Batch) -> list[tuple[str, list[tuple[object, ...]]]]:
    return [
        ("insert_lookup", batch.lookups),
        ("upsert_catalog_entry", [(*entry, *shown) for entry, shown in batch.entries.items()]),
        ("add_outcomes", [(*key, count) for key, count in batch.outcomes.items()]),
        ("add_providers", [(*key, count) for key, count in batch.providers.items()]),
        ("add_entries", [(*key, count) for key, count in batch.shown.items()]),
        ("add_users", list(batch.users)),
        ("add_entry_users", list(batch.entry_users)),
        ("add_gaps", [(*key, count) for key, count in batch.gaps.items()]),
        ("upsert_vote", [(*key, *verdict) for key, verdict in batch.votes.items()]),
    ]


async def prune(db: aiosqlite.Connection, first_day: int, first_at: float) -> int:
    """Delete every row from before ``first_day``; how many lookups went."""
    names = ["prune_votes", "prune_outcomes", "prune_providers", "prune_entries", "prune_users"]
    names += ["prune_entry_users", "prune_gaps"]
    bounds = {"day": first_day, "at": first_at}
    await db.execute("BEGIN IMMEDIATE")
    try:
        cursor = await db.execute(sql("prune_lookups"), bounds)
        deleted = cursor.rowcount
        for name in names:
            await db.execute(sql(name), bounds)
        await db.execute("COMMIT")
    except BaseException:
        await _rollback(db)
        raise
    return deleted


async def _rollback(db: aiosqlite.Connection) -> None:
    # The connection may be what failed; the caller reports the first error, not this one.
    with suppress(Exception):
        if db.in_transaction:
            await db.execute("ROLLBACK")
