"""One connection a store, used one operation at a time: what both stores (sqlite.py,
postgres.py) do around each use of their connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar, Generic, TypeVar

from bot.store.base import StorageUnavailable, unavailable

C = TypeVar("C")


class Guarded(Generic[C]):
    """A store's connection (``C``) under one lock, opened when needed (``_connected``). A
    failure (one of ``FAILURES``, the database's and the system's) closes it, so that the next
    use opens it afresh, and is raised as StorageUnavailable; a write's outcome is kept in
    ``write_failure`` (/healthz's "writable")."""

    FAILURES: ClassVar[tuple[type[BaseException], ...]]

    def __init__(self, *, read_only: bool) -> None:
        self.read_only = read_only
        self.write_failure: str | None = None  # why the last write failed; None: it worked
        self._lock = asyncio.Lock()  # one operation at a time on the connection

    @asynccontextmanager
    async def _connection(self, writing: bool = False) -> AsyncIterator[C]:
        if writing and self.read_only:
            raise StorageUnavailable(f"{self}: opened read-only")
        async with self._lock:
            try:
                yield await self._connected()
            except self.FAILURES as exc:
                await self._close()
                failed = unavailable(self, exc)
                self._wrote(writing, failed)
                raise failed from exc
            except StorageUnavailable as exc:
                await self._close()
                self._wrote(writing, exc)
                raise
            self._wrote(writing, None)

    def _wrote(self, writing: bool, failed: StorageUnavailable | None) -> None:
        """A write (of any kind: lookups, conversations, taught phrases) ended: how."""
        if writing:
            self.write_failure = None if failed is None else str(failed)

    async def _connected(self) -> C:
        """The connection, opened if need be."""
        raise NotImplementedError

    async def _close(self) -> None:
        """Close the connection, if open."""
        raise NotImplementedError
