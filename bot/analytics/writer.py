"""The lookup log: answers queue lookups in memory, one task writes them to SQLite in batches."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.analytics import reports, store
from bot.analytics.days import DAY_SECONDS, day_number, iso_day, midnight
from bot.analytics.rollup import Batch, Collector, Vote
from bot.analytics.schema import DatabaseTooNew
from bot.analytics.store import StorageUnavailable

logger = logging.getLogger(__name__)

# What a failing database raises: sqlite3 errors, OSError (the folder cannot be made), a file
# swapped for a newer one, and aiosqlite's ValueError for a connection whose thread has gone.
_FAILURES = (sqlite3.Error, OSError, DatabaseTooNew, ValueError)
# What the database refuses in a row (a None where text belongs): the batch is collected again
# with every field checked, and the bad rows skipped.
_REFUSED = (TypeError, sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)
# A transaction takes everything waiting, up to this many times batch_rows: under load, fewer
# and larger transactions are what lets the writer keep up (each commit rewrites the pages it
# touched, and the day's per-person rows are spread over many).
_BATCH_GROWTH = 20

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LookupEntry:
    """A catalog entry an answer showed in full."""

    provider: str  # provider slug, e.g. "gosms"
    key: str  # entry key within the provider: its code, else its symbolic name, else a slug
    code: str | None  # the code as the catalog writes it ("1004", "88-89"); None if codeless
    title: str  # the entry's English title (reports show it)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One question answered, as the bot hands it to the log."""

    at: float  # time.time() (UTC epoch seconds)
    channel: str  # private | group | inline | button | deep_link | command
    chat_type: str  # private | group | supergroup | channel | sender | unknown
    user_id: int | None  # raw Telegram user id: never stored; the writer stores a keyed hash
    outcome: str  # found | several | not_found | not_an_error
    query: str  # the raw text the person sent; the writer masks and cuts it
    took_ms: float  # how long the answer took
    entries: tuple[LookupEntry, ...] = ()  # entries the answer showed in full, first first
    provider: str | None = None  # provider named (or assumed), even when nothing was found


class LookupLog:
    """Lookups and votes queued in memory and written to SQLite in batches by one task.

    Recording never waits for the database: while it fails, rows are held (at most
    ``max_pending``, the oldest dropped and counted beyond that) and the writer retries with
    exponential backoff, reopening the file each time.
    """

    def __init__(
        self,
        path: Path,
        *,
        secret: bytes | None,
        off_reason: str | None = None,
        retention_days: int = 365,
        batch_rows: int = 500,
        flush_interval: float = 1.0,
        max_pending: int = 100_000,
        retry_initial: float = 0.5,
        retry_max: float = 30.0,
    ) -> None:
        self._path = Path(path)
        self._retention_days = retention_days
        self._batch_rows = batch_rows
        self._batch_limit = batch_rows * _BATCH_GROWTH
        self._flush_interval = flush_interval
        self._max_pending = max_pending
        self._retry_initial = self._retry = retry_initial
        self._retry_max = retry_max
        self._queue: deque[Lookup | Vote] = deque()
        self._in_flight = 0
        self._dropped = 0
        self._dropped_logged = 0
        self._written = 0
        self._failing = False
        # Without a usable key nothing is recorded (the reports still read what is there).
        self.off_reason = off_reason if secret is not None else off_reason or "no analytics key"
        self._collector = Collector(secret or b"")
        self._db: aiosqlite.Connection | None = None
        self._file: tuple[int, int] | None = None
        self._next_prune = 0.0
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """Rows recorded and not yet in the database."""
        return len(self._queue) + self._in_flight

    @property
    def written(self) -> int:
        """Lookups written to the database since start."""
        return self._written

    @property
    def healthy(self) -> bool:
        """Recording, and the last write (or the first open) succeeded."""
        return self.off_reason is None and not self._failing

    @property
    def dropped(self) -> int:
        """Rows dropped, oldest first, because ``max_pending`` were waiting for the database."""
        return self._dropped

    async def start(self) -> None:
        """Open and migrate the database, prune it, and start the writer task.

        Raises DatabaseTooNew for a file from newer code; any other failure is logged and
        retried in the background, and recording goes on meanwhile.
        """
        if self._task is not None:
            return
        try:
            await self._locked(self._open_and_prune)
        except DatabaseTooNew:
            raise
        except _FAILURES as exc:
            self._failed(exc)
        self._task = asyncio.create_task(self._run(), name="lookup-log-writer")

    def record(self, lookup: Lookup) -> None:
        """Queue a lookup: O(1), never blocks, never raises."""
        self._enqueue(lookup)

    def vote(
        self, user_id: int, provider: str, key: str, helpful: bool, *, at: float | None = None
    ) -> None:
        """Queue a person's vote on an entry; their latest vote on it is the one that counts."""
        self._enqueue(Vote(time.time() if at is None else at, user_id, provider, key, helpful))

    def _enqueue(self, item: Lookup | Vote) -> None:
        if self.off_reason is not None:
            return
        try:
            queue = self._queue
            if len(queue) >= self._max_pending:
                queue.popleft()
                self._dropped += 1  # the writer logs it: logging here would slow every answer
            queue.append(item)
            if len(queue) >= self._batch_rows:
                self._wake.set()
        except Exception:  # pragma: no cover - an answer must never fail because of the log
            logger.exception("lookup log: could not queue a row")

    async def flush(self) -> None:
        """Write everything recorded so far; StorageUnavailable if the database fails now."""
        try:
            await self._locked(self._write_all)
        except _FAILURES as exc:
            self._failed(exc)
            raise StorageUnavailable(f"cannot write to {self._path}: {exc}") from exc
        self._recovered()

    async def close(self) -> None:
        """Write everything queued, stop the writer task and close the database."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        try:
            await self.flush()
        except StorageUnavailable:
            lost = len(self._queue)
            self._queue.clear()
            self._dropped += lost
            logger.error("lookup log: closing with %d lookups unwritten to %s", lost, self._path)
        finally:
            async with self._lock:
                await self._close_db()

    async def prune(self, now: float | None = None) -> int:
        """Delete what is older than the retention period; how many lookups went."""

        async def prune() -> int:
            await self._ensure_open()
            return await self._prune(time.time() if now is None else now)

        return await self._locked(prune)

    async def report(
        self, days: int = 7, top: int = 10, now: float | None = None
    ) -> dict[str, Any]:
        """The report of the last ``days`` days (see reports.py), counting every lookup recorded."""
        await self.flush()
        return await asyncio.to_thread(reports.read_report, self._path, days, top, now)

    async def export_csv(self, days: int = 7, now: float | None = None) -> str:
        """The lookups of the last ``days`` days as CSV, counting every lookup recorded."""
        await self.flush()
        return await asyncio.to_thread(reports.export_csv, self._path, days, now)

    # The writer task ---------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._flush_interval)
                self._wake.clear()
                if self._stopping.is_set():
                    break  # close() writes what is left
                await self._write_pending()
        except asyncio.CancelledError:
            # Cancelled without close(), as when the event loop shuts down after an error: the
            # connection's thread must not outlive the loop, or the process never exits.
            await self._close_db()
            raise

    async def _write_pending(self) -> None:
        """One round of the writer: reopen if needed, prune once a day, write what is queued
        now. Rows that arrive meanwhile wait for the next round: chasing them one by one would
        turn a steady trickle into a transaction per lookup."""
        try:
            await self._locked(self._open_and_prune)
            await self._locked(self._write_all)
        except _FAILURES as exc:
            self._failed(exc)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._retry)
            self._retry = min(self._retry * 2, self._retry_max)
        else:
            self._recovered()

    async def _locked(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` holding the writer lock; a failure closes the connection, so the next
        attempt opens the file afresh."""
        async with self._lock:
            try:
                return await work()
            except _FAILURES:
                await self._close_db()
                raise

    async def _open_and_prune(self) -> None:
        await self._ensure_open()
        now = time.time()
        if now >= self._next_prune:
            await self._prune(now)

    async def _write_all(self) -> None:
        """Write the rows queued now, in transactions of up to the batch limit. If a write
        fails, its rows go back to the head of the queue."""
        count = len(self._queue)
        db = await self._ensure_open()
        while count > 0 and self._queue:
            items = [
                self._queue.popleft()
                for _ in range(min(self._batch_limit, len(self._queue), count))
            ]
            count -= len(items)
            self._in_flight = len(items)
            try:
                # Masking, hashing and adding up run in a thread, not in the answers' loop.
                batch = await asyncio.to_thread(self._collector.collect, items)
                await self._commit(db, batch, items)
            except BaseException:
                self._hold(items)
                raise
            finally:
                self._in_flight = 0

    async def _commit(
        self, db: aiosqlite.Connection, batch: Batch, items: list[Lookup | Vote]
    ) -> None:
        """Write one collected batch in a transaction; rows the database refuses are skipped."""
        try:
            await store.write(db, batch)
        except _REFUSED:
            batch = await asyncio.to_thread(partial(self._collector.collect, items, strict=True))
            await store.write(db, batch)
        self._collector.known.remember(batch)
        self._written += len(batch.lookups)
        if batch.skipped:
            logger.error("lookup log: skipped %d malformed rows", batch.skipped)

    def _hold(self, items: list[Lookup | Vote]) -> None:
        """Put a batch that failed back at the head of the queue, within ``max_pending``."""
        room = max(self._max_pending - len(self._queue), 0)
        if room < len(items):
            self._dropped += len(items) - room
            items = items[len(items) - room :]
        self._queue.extendleft(reversed(items))

    async def _ensure_open(self) -> aiosqlite.Connection:
        """Open the database unless the connection is open on the file now at the path.

        On Linux a removed database file keeps accepting writes through the open connection,
        into a file nobody will read again; the device and inode tell that it has happened.
        """
        if self._db is not None and _file_id(self._path) == self._file:
            return self._db
        if self._db is not None:
            logger.warning("lookup log: %s was removed or replaced; opening it anew", self._path)
        await self._close_db()
        self._collector.known.clear()  # a new file, or one whose contents nobody can vouch for
        db = await store.connect(self._path)
        try:
            await store.apply_migrations(db, self._path)
        except BaseException:
            await db.close()
            raise
        self._db, self._file = db, _file_id(self._path)
        return db

    async def _close_db(self) -> None:
        db, self._db, self._file = self._db, None, None
        if db is not None:
            with suppress(Exception):
                await db.close()

    async def _prune(self, now: float) -> int:
        """Keep the last ``retention_days`` whole UTC days, today included."""
        first = day_number(now) - self._retention_days + 1
        db = await self._ensure_open()
        deleted = await store.prune(db, first, midnight(first))
        self._collector.known.forget_before(first)
        self._next_prune = time.time() + DAY_SECONDS
        if deleted:
            logger.info("lookup log: pruned %d lookups from before %s", deleted, iso_day(first))
        return deleted

    # Failure bookkeeping -----------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        if not self._failing:
            self._failing = True
            logger.warning(
                "lookup log: cannot write to %s (%s); holding %d rows and retrying",
                self._path,
                exc,
                self.pending,
            )
        else:
            logger.debug("lookup log: still cannot write to %s (%s)", self._path, exc)
        self._log_drops()

    def _recovered(self) -> None:
        self._retry = self._retry_initial
        self._log_drops()
        if self._failing:
            self._failing = False
            logger.warning("lookup log: writing to %s again", self._path)

    def _log_drops(self) -> None:
        new = self._dropped - self._dropped_logged
        if new:
            self._dropped_logged = self._dropped
            logger.error(
                "lookup log: dropped %d rows (%d in all): %d were already waiting for %s",
                new,
                self._dropped,
                self._max_pending,
                self._path,
            )


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino
