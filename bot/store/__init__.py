"""The only place that talks to a database: one interface (``Store``) over a SQLite file
(aiosqlite) or PostgreSQL (asyncpg), owning connecting, migrating, the schema check and
read-only opening; ``open_store`` chooses between them."""

from __future__ import annotations

from pathlib import Path

from bot.store.base import StorageUnavailable, Store
from bot.store.schema import DatabaseTooNew, DatabaseTooOld

__all__ = ["DatabaseTooNew", "DatabaseTooOld", "StorageUnavailable", "Store", "open_store"]


def open_store(
    database_path: Path, database_url: str | None = None, *, read_only: bool = False
) -> Store:
    """PostgreSQL at ``database_url`` when one is given, else the SQLite file at
    ``database_path`` (with PostgreSQL, each replica spills to a file of its own where the
    SQLite file would be). Nothing connects until the store is first used; a ``read_only``
    store never makes, migrates or writes a database."""
    if database_url:
        from bot.store.postgres import PostgresStore

        spill = Path(database_path).with_name("lookups.pending")
        return PostgresStore(database_url, spill, read_only=read_only)
    from bot.store.sqlite import SqliteStore

    return SqliteStore(Path(database_path), read_only=read_only)
