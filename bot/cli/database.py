"""The database as the commands open it (bot.store: PostgreSQL at DATABASE_URL, else the SQLite
file at DATABASE_PATH), read-only for those that only read; and what they say when it cannot be
used, or is not there."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from bot.store import StorageUnavailable, Store

T = TypeVar("T")


def open_database(*, read_only: bool = True) -> Store:
    """The database the settings name; ``read_only``: never made, migrated or written."""
    from bot.cli.environment import settings
    from bot.store import open_store

    url = settings().database_url
    secret = url.get_secret_value() if url is not None else None
    return open_store(settings().database_path, secret, read_only=read_only)


def read(work: Callable[[Store], Awaitable[T]]) -> T:
    """``work`` over the database opened read-only, closed after. A SQLite file that does not
    exist reads as an empty history (nothing is made), said in one line on stderr so that a
    wrong DATABASE_PATH is noticed. StorageUnavailable if the database cannot be read."""
    store = open_database()

    async def reading() -> T:
        try:
            return await work(store)
        finally:
            await store.close()

    result = asyncio.run(reading())
    if store.missing:
        print(
            f"codebook: no database at {store} (DATABASE_PATH): an empty history", file=sys.stderr
        )
    return result


def unusable(exc: StorageUnavailable) -> int:
    """Say in one line why the database cannot be used (the error names it); exit status 1."""
    print(exc, file=sys.stderr)
    return 1
