"""A SQLite file's connections (the writer's, or read-only), its transactions, its migrations
and its schema version, and doctor's look at it."""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import aiosqlite

from bot.core.text import gap_key
from bot.files import can_be_made
from bot.store.base import Checked
from bot.store.queries import sql
from bot.store.schema import (
    MIN_FREE,
    DatabaseTooNew,
    Migration,
    check_version,
    examine_foreign,
    examine_version,
    migrations,
)

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


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


async def connect_reader(path: Path) -> aiosqlite.Connection | None:
    """A read-only connection to a database at this code's schema; None if there is no file
    yet (nothing is made). A path that can never be a database (a folder, or a file where a
    folder should be) raises OSError rather than passing for an empty database."""
    if path.is_dir():  # noqa: ASYNC240
        raise IsADirectoryError(errno.EISDIR, "a folder, not a database file")
    if not path.exists():  # noqa: ASYNC240
        blocker = next((p for p in path.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{blocker} is a file, not a folder")
        return None
    uri = f"{path.resolve().as_uri()}?mode=ro"  # noqa: ASYNC240
    db = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    try:
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        check_version(path, await read_version(db))
    except BaseException:
        await db.close()
        raise
    return db


@asynccontextmanager
async def transaction(
    db: aiosqlite.Connection, begin: str = "BEGIN IMMEDIATE"
) -> AsyncIterator[None]:
    """BEGIN IMMEDIATE (the write lock, waiting up to the busy timeout) ... COMMIT, or ROLLBACK
    if anything in between fails."""
    await db.execute(begin)
    try:
        yield
        await db.execute("COMMIT")
    except BaseException:
        # The connection may be what failed; the caller sees the first error, not this one.
        with suppress(Exception):
            if db.in_transaction:
                await db.execute("ROLLBACK")
        raise


async def read_version(db: aiosqlite.Connection) -> int:
    """The highest migration applied to the database, 0 for a fresh one."""
    if not await db.execute_fetchall(sql("has_schema_migrations")):
        return 0
    ((version,),) = await db.execute_fetchall(sql("schema_version"))
    return int(version)


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
    """The SQL statements of a script, one by one, as SQLite reads them (semicolons inside
    strings and triggers respected)."""
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


async def examine(path: Path) -> Checked:
    """Whether the file at ``path`` can be written and is at this code's schema (or can be
    made); nothing is made or changed."""
    if not path.exists():  # noqa: ASYNC240
        if not can_be_made(path):
            return Checked(False, f"cannot make {path}", "set DATABASE_PATH to a writable place")
        return _short_of_room(path) or Checked(
            True, f"{path} not made yet: the bot makes it when it starts"
        )
    if not path.is_file():  # noqa: ASYNC240
        return Checked(False, f"{path} is not a file", "point DATABASE_PATH at a file")
    uri = f"{path.resolve().as_uri()}?mode=rw"  # noqa: ASYNC240
    try:
        db = await aiosqlite.connect(uri, uri=True, timeout=5)
    except sqlite3.Error as exc:
        return Checked(False, f"cannot open {path}: {exc}", "check its permissions")
    try:
        version = await read_version(db)
        await db.execute("BEGIN IMMEDIATE")  # the write lock, taken and given back
        await db.execute("ROLLBACK")
        tables = {name for (name,) in await db.execute_fetchall(sql("table_names"))}
    except sqlite3.Error as exc:
        return Checked(False, f"cannot write {path}: {exc}", "check permissions and disk")
    finally:
        await db.close()
    return (
        (examine_foreign(path, tables, "DATABASE_PATH", "file") if version == 0 else None)
        or examine_version(path, version, "DATABASE_PATH", "file")
        or _short_of_room(path)
        or Checked(True, f"{path} writable, at schema version {version}")
    )


def _short_of_room(path: Path) -> Checked | None:
    """What doctor says of a file whose disk is nearly full (None if it is not): the lock
    taken and given back needs no room, and doctor said "writable" of a full disk (an
    attack)."""
    folder = next((p for p in path.parents if p.exists()), Path("/"))
    free = shutil.disk_usage(folder).free
    if free >= MIN_FREE:
        return None
    found = f"{path}: {free / 1e6:.1f} MB free on its disk"
    return Checked(False, found, "free some room: on a full disk the lookups are not written")
