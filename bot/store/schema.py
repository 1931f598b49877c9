"""The migration files, the schema version this code writes, and the one check of a
database's version against it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from bot.data import packaged
from bot.store.base import Checked, StorageUnavailable

_FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_CREATE_TABLE = re.compile(
    r"^\s*CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE | re.MULTILINE
)
MIN_FREE = 50 * 1000 * 1000  # bytes free on a SQLite file's disk below which doctor says so


class Migration:
    """One ``migrations/NNNN_<what>.sql`` file."""

    __slots__ = ("name", "path", "version")

    def __init__(self, version: int, name: str, path: Path) -> None:
        self.version = version
        self.name = name  # the file name without .sql, e.g. "0001_lookups"
        self.path = path


class DatabaseTooNew(StorageUnavailable):
    """The database was migrated by newer code than this; running on would corrupt it."""

    def __init__(self, path: Path | str, version: int, known: int) -> None:
        # (A PostgreSQL database is named by its URL, a str: it was told to set DATABASE_PATH.)
        other = "DATABASE_PATH to another file" if isinstance(path, Path) else (
            "DATABASE_URL to another database"
        )  # fmt: skip
        super().__init__(
            f"{path} is at schema version {version}, written by a newer Codebook; this code "
            f"knows versions up to {known}. Update the code, or set {other}."
        )


class DatabaseTooOld(StorageUnavailable):
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
    """The schema version this code writes (the same in either database's files)."""
    return len(migrations())


def check_version(where: Path | str, version: int, *, migrating: bool = False) -> None:
    """Refuse a database at ``version`` this code cannot use: newer than it knows (never), or
    older, unless it is about to be migrated."""
    known = latest_version()
    if version > known:
        raise DatabaseTooNew(where, version, known)
    if version < known and not migrating:
        raise DatabaseTooOld(where, version, known)


def examine_version(where: Path | str, version: int, setting: str, thing: str) -> Checked | None:
    """What doctor says of a database at ``version`` that is not current (None if it is);
    ``setting`` and ``thing`` name where another would be set (DATABASE_PATH, "file")."""
    latest = latest_version()
    if version > latest:
        fix = f"update Codebook, or set {setting} to another {thing}"
        return Checked(False, f"{where} is at schema {version}, newer than {latest}", fix)
    if version < latest:
        fix = "run python -m bot migrate (the bot also migrates when it starts)"
        return Checked(False, f"{where} is at schema {version}, not {latest}", fix)
    return None


@cache
def our_tables() -> frozenset[str]:
    """The tables this code's migrations make."""
    return frozenset(
        name
        for migration in migrations()
        for name in _CREATE_TABLE.findall(migration.path.read_text(encoding="utf-8"))
    )


def examine_foreign(
    where: Path | str, tables: set[str], setting: str, thing: str
) -> Checked | None:
    """What doctor says of a database with no migration recorded that has tables named as
    Codebook's (None if it has none): another program's, which the first migration would
    trip over ("relation lookups already exists") and the bot run on without its analytics
    (doctor said it was empty: an attack)."""
    named = sorted(tables & our_tables())
    if not named:
        return None
    found = f"{where} has tables named as Codebook's ({', '.join(named)}) that it did not make"
    return Checked(False, found, f"set {setting} to a {thing} of Codebook's own")
