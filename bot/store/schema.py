"""The migration files and the schema version of a database (no aiosqlite: reports read it)."""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from pathlib import Path

from bot.data import packaged
from bot.store.queries import sql

_FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class Migration:
    """One ``migrations/NNNN_<what>.sql`` file (a plain class: importing dataclasses would add
    a quarter to `python -m bot stats`' start, 25 of 100 ms here)."""

    __slots__ = ("name", "path", "version")

    def __init__(self, version: int, name: str, path: Path) -> None:
        self.version = version
        self.name = name  # the file name without .sql, e.g. "0001_lookups"
        self.path = path


class DatabaseTooNew(Exception):
    """The database was migrated by newer code than this; running on would corrupt it."""

    def __init__(self, path: Path | str, version: int, known: int) -> None:
        super().__init__(
            f"{path} is at schema version {version}, written by a newer Codebook; this code "
            f"knows versions up to {known}. Update the code, or set DATABASE_PATH to another file."
        )


class DatabaseTooOld(Exception):
    """The database has migrations to apply before a report can read it."""

    def __init__(self, path: Path | str, version: int, known: int) -> None:
        super().__init__(
            f"{path} is at schema version {version} and this code needs {known}: "
            "run 'python -m bot migrate' (the bot also migrates when it starts)."
        )


class MigrationsMissing(Exception):
    """The installation has no migration files: it would make an empty database and call it
    current."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            f"no migrations (NNNN_*.sql) in {folder}: this installation of Codebook is "
            "incomplete; reinstall it (pip install codebook, or pip install . from a checkout)"
        )


@cache
def migrations(folder: Path | None = None, dialect: str = "sqlite") -> tuple[Migration, ...]:
    """Every migration in order (the packaged ones by default), each in ``dialect``'s own file
    where it has one (``NNNN_what.postgres.sql`` beside ``NNNN_what.sql``); none at all, or a
    gap in the numbering, is a packaging error."""
    folder = packaged("bot.migrations") if folder is None else folder
    found = sorted(
        (
            Migration(int(match[1]), path.stem, _own(path, dialect))
            for path in folder.glob("*.sql")
            if (match := _FILE_NAME.match(path.name))
        ),
        key=lambda migration: migration.version,
    )
    if not found:
        raise MigrationsMissing(folder)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"{folder}: migrations must be numbered 0001, 0002, ... without gaps")
    return tuple(found)


def _own(path: Path, dialect: str) -> Path:
    own = path.with_name(f"{path.stem}.{dialect}.sql")
    return own if dialect != "sqlite" and own.exists() else path


def latest_version() -> int:
    """The schema version this code writes."""
    return len(migrations())


def read_version(connection: sqlite3.Connection) -> int:
    """The highest migration applied to the database, 0 for a fresh one."""
    if not connection.execute(sql("has_schema_migrations")).fetchone():
        return 0
    version: int = connection.execute(sql("schema_version")).fetchone()[0]
    return version
