"""The lookup log's database as the commands open it: PostgreSQL at DATABASE_URL, else the
SQLite file at DATABASE_PATH; and what to say when it cannot be used."""

from __future__ import annotations

import sys
from pathlib import Path

# typing stays out of the commands' start; this is for type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from bot.store.postgres import PostgresStore


def postgres() -> PostgresStore | None:
    """The lookup log in PostgreSQL when DATABASE_URL says so (asyncpg loads only then)."""
    from bot.cli.environment import settings

    url = settings().database_url
    if url is None:
        return None
    from bot.store.postgres import PostgresStore

    return PostgresStore(url.get_secret_value(), settings().spill_path)


def failures() -> tuple[type[BaseException], ...]:
    """What a database that cannot be used raises: SQLite's, and PostgreSQL's once loaded."""
    import sqlite3

    from bot.store.schema import DatabaseTooNew, DatabaseTooOld

    found: tuple[type[BaseException], ...] = (
        DatabaseTooNew,
        DatabaseTooOld,
        sqlite3.Error,
        OSError,
    )
    if "bot.store.postgres" in sys.modules:
        from bot.store.postgres import FAILURES

        found += FAILURES
    return found


def database_path() -> Path:
    """DATABASE_PATH."""
    from bot.cli.environment import settings

    return settings().database_path


def unusable(exc: BaseException) -> int:
    """Say in one line why the database cannot be used; the exit status for it."""
    from bot.store.schema import DatabaseTooNew, DatabaseTooOld

    if isinstance(exc, (DatabaseTooNew, DatabaseTooOld)):  # these name the file already
        print(exc, file=sys.stderr)
    else:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        store = postgres()
        where = str(store) if store is not None else database_path()
        print(f"{where}: {reason or type(exc).__name__}", file=sys.stderr)
    return 1
