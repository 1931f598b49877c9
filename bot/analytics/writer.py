"""The lookup log: answers queue lookups in memory, one task writes them in batches.

Nothing accepted is lost without a trace. While the database fails, rows are held (at most
``max_pending``; beyond that the oldest are dropped, counted and logged) and the writer retries
with exponential backoff. A stop writes everything it holds; what cannot be written then is
spilled to a file beside the database, which the next start writes in first. Only a crash
(SIGKILL, power) loses what arrived since the last write: at most ``flush_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

from bot.analytics.days import DAY_SECONDS, day_number, iso_day, midnight
from bot.analytics.rollup import Lookup, Stored, Vote, stored
from bot.analytics.spill import read_spill, write_spill
from bot.store.schema import DatabaseTooNew
from bot.store.sqlite import SqliteStore, StorageUnavailable, Store

logger = logging.getLogger(__name__)

# A transaction takes everything waiting, up to this many times batch_rows: under load, fewer
# and larger transactions are what lets the writer keep up.
_BATCH_GROWTH = 20

T = TypeVar("T")


class LookupLog:
    """Lookups and votes queued in memory and written to the store in batches by one task.

    Recording never waits for the database. Without a usable analytics key (``secret`` None)
    nothing is recorded, and ``off_reason`` says why.
    """

    def __init__(
        self,
        store: Store | Path,
        *,
        secret: bytes | None,
        off_reason: str | None = None,
        key_in_store: bool = False,
        retention_days: int = 365,
        batch_rows: int = 500,
        flush_interval: float = 0.5,
        max_pending: int = 100_000,
        retry_initial: float = 0.5,
        retry_max: float = 30.0,
    ) -> None:
        self.store: Store = SqliteStore(store) if isinstance(store, Path) else store
        # Without a key nothing is recorded, unless the database keeps one (PostgreSQL's,
        # shared by replicas): then it is read before the first write.
        self._secret = secret
        self._key_in_store = key_in_store and secret is None
        self.off_reason = off_reason
        if secret is None and not self._key_in_store:
            self.off_reason = off_reason or "no analytics key"
        self._retention_days = retention_days
        self._batch_rows = batch_rows
        self._batch_limit = batch_rows * _BATCH_GROWTH
        self._flush_interval = flush_interval
        self._max_pending = max_pending
        self._retry_initial = self._retry = retry_initial
        self._retry_max = retry_max
        self._queue: deque[Lookup | Vote] = deque()  # as handed over: raw ids, raw text
        self._held: list[Stored] = []  # made ready to store, waiting for the database
        self._in_flight = 0
        self._spill_loaded = False  # rows from a spill file are among the held ones
        self._dropped = self._dropped_logged = self._written = self.lost = 0
        self._failing = False
        self._next_prune = 0.0
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """Rows recorded and not yet in the database."""
        return len(self._queue) + len(self._held) + self._in_flight

    @property
    def dropped(self) -> int:
        """Rows dropped, oldest first, because ``max_pending`` were waiting for the database."""
        return self._dropped

    @property
    def written(self) -> int:
        """Rows written to the database since start."""
        return self._written

    @property
    def healthy(self) -> bool:
        """Recording, and the last write (or the first open) succeeded."""
        return self.off_reason is None and not self._failing

    async def start(self) -> None:
        """Open and migrate the database, write in what the last stop spilled, prune, and
        start the writer task. Raises DatabaseTooNew for a file from newer code; any other
        failure is logged and retried in the background while recording goes on."""
        if self._task is not None:
            return
        self._load_spill()
        try:
            await self._locked(self._open_and_prune)
            await self._locked(self._write_all)
        except DatabaseTooNew:
            raise
        except self.store.FAILURES as exc:
            self._failed(exc)
        else:
            self._recovered()
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
        if len(self._queue) + len(self._held) >= self._max_pending:
            if self._held:
                del self._held[0]
            else:
                self._queue.popleft()
            self._dropped += 1  # the writer logs it: logging here would slow every answer
        self._queue.append(item)
        if len(self._queue) >= self._batch_rows:
            self._wake.set()

    async def flush(self) -> None:
        """Write everything recorded so far; StorageUnavailable if the database fails now."""
        try:
            await self._locked(self._write_all)
        except self.store.FAILURES as exc:
            self._failed(exc)
            raise StorageUnavailable(f"cannot write to {self.store}: {exc}") from exc
        self._recovered()

    async def close(self) -> bool:
        """Write everything queued, stop the writer task and close the database. What cannot be
        written goes to the spill file; False only if even that failed (``lost`` says how many
        rows went)."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        try:
            await self.flush()
            return True
        except StorageUnavailable:
            return await asyncio.to_thread(self._spill)
        finally:
            async with self._lock:
                await self.store.close()

    async def teach(self, phrase: str, provider: str, key: str) -> None:
        """Keep a phrase the keepers taught (StorageUnavailable if the database fails)."""
        await self._storing(lambda: self.store.teach(phrase, provider, key, time.time()))

    async def forget(self, phrase: str) -> int:
        """Take back what a phrase was taught; how many entries it meant."""
        return await self._storing(lambda: self.store.forget(phrase))

    async def taught(self) -> list[tuple[str, str, str]]:
        """Every phrase taught: (phrase, provider, entry key)."""
        return await self._storing(self.store.taught)

    async def fetch(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of a named query (StorageUnavailable if the database fails)."""
        return await self._storing(lambda: self.store.fetch(name, params))

    async def execute(self, name: str, params: Mapping[str, Any]) -> int:
        """A named statement; the rows it changed (StorageUnavailable if the database fails)."""
        return await self._storing(lambda: self.store.execute(name, params))

    async def _storing(self, work: Callable[[], Awaitable[T]]) -> T:
        try:
            return await self._locked(work)
        except self.store.FAILURES as exc:
            raise StorageUnavailable(f"cannot use {self.store}: {exc}") from exc

    async def prune(self, now: float | None = None) -> int:
        """Delete what is older than the retention period; how many lookups went."""
        return await self._locked(lambda: self._prune(time.time() if now is None else now))

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
            await self.store.close()
            raise

    async def _write_pending(self) -> None:
        """One round: reopen if needed, prune once a day, write what is queued now. Rows that
        arrive meanwhile wait for the next round: chasing them one by one would turn a steady
        trickle into a transaction per lookup."""
        try:
            await self._locked(self._open_and_prune)
            await self._locked(self._write_all)
        except self.store.FAILURES as exc:
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
            except self.store.FAILURES:
                await self.store.close()
                raise

    async def _open_and_prune(self) -> None:
        await self.store.open()
        now = time.time()
        if now >= self._next_prune:
            await self._prune(now)

    async def _write_all(self) -> None:
        """Write the rows held and queued now, in transactions of up to the batch limit. What a
        failed write held stays held, in order."""
        if self._queue and self._secret is None:
            self._secret = await self.store.analytics_key()  # the one replicas share
        limit = self._batch_limit
        items = list(self._queue)
        self._queue.clear()
        # Masking and hashing run in a thread, not in the answers' loop. With a database server
        # the next part is made ready while the server writes this one (bench_postgres, one
        # run: 46,000 lookups/s before, 64,000 after). SQLite writes in a thread of this
        # process, which the preparing thread would hold up (61,000 fell to 53,000): there
        # everything is made ready first.
        step = limit if self.store.WRITES_ELSEWHERE else max(1, len(items))
        parts = deque(items[first : first + step] for first in range(0, len(items), step))
        self._in_flight = len(items)
        ready = self._make_ready(parts)
        try:
            while self._held or ready is not None:
                if not self._held and ready is not None:
                    await self._hold(*ready)
                    ready = self._make_ready(parts)
                    continue  # (a part may hold nothing: every row malformed)
                chunk = self._held[:limit]
                await self.store.write(chunk)
                del self._held[: len(chunk)]
                self._written += len(chunk)
        finally:  # a write failed: what was not made ready is made ready and held, in order
            if ready is not None:
                await self._hold(*ready)
            if parts:
                rest = [*chain(*parts)]
                await self._hold(asyncio.to_thread(self._stored, rest), len(rest))
            self._in_flight = 0
        if self._spill_loaded:
            self._spill_loaded = False
            self.store.spill_path.unlink(missing_ok=True)
            logger.warning("lookup log: wrote in what the last stop left in the spill file")

    def _make_ready(
        self, parts: deque[list[Lookup | Vote]]
    ) -> tuple[asyncio.Future[list[Stored]], int] | None:
        """The next part being made ready in a thread, and its size; None when none is left."""
        if not parts:
            return None
        part = parts.popleft()
        return asyncio.ensure_future(asyncio.to_thread(self._stored, part)), len(part)

    async def _hold(self, ready: Awaitable[list[Stored]], size: int) -> None:
        """Hold the rows made ready from ``size`` queued items."""
        self._held.extend(await ready)
        self._in_flight -= size

    def _stored(self, items: list[Lookup | Vote]) -> list[Stored]:
        if self._secret is None:  # the key the database keeps was never read: nothing to do
            return []
        secret = self._secret
        rows = [row for item in items if (row := stored(item, secret)) is not None]
        if len(rows) < len(items):
            logger.error("lookup log: skipped %d malformed rows", len(items) - len(rows))
        return rows

    async def _prune(self, now: float) -> int:
        """Keep the last ``retention_days`` whole UTC days, today included."""
        first = day_number(now) - self._retention_days + 1
        deleted = await self.store.prune(first, midnight(first))
        self._next_prune = time.time() + DAY_SECONDS
        if deleted:
            logger.info("lookup log: pruned %d lookups from before %s", deleted, iso_day(first))
        return deleted

    # Spilling at a stop ------------------------------------------------------------------------

    def _spill(self) -> bool:
        """Every row not yet in the database to the spill file; False if even that failed."""
        if self._secret is None and self._queue:
            # The shared key was never read (the database was down from the start): rows that
            # cannot be pseudonymised cannot be kept either.
            self.lost = len(self._queue)
            logger.error(
                "lookup log: %d lookups lost: the analytics key %s keeps was never read",
                self.lost,
                self.store,
            )
            self._queue.clear()
        rows = self._held + self._stored(list(self._queue))
        path = self.store.spill_path
        try:
            write_spill(path, rows)
        except OSError as exc:
            self.lost += len(rows)
            logger.error(
                "lookup log: %d lookups lost: neither %s nor the spill file %s can be written (%s)",
                len(rows),
                self.store,
                path,
                exc,
            )
            return False
        self._queue.clear()
        self._held.clear()
        if self.lost:
            return False
        logger.warning(
            "lookup log: %s cannot be written now; %d lookups kept in %s, the next start "
            "writes them in",
            self.store,
            len(rows),
            path,
        )
        return True

    def _load_spill(self) -> None:
        rows = read_spill(self.store.spill_path)
        if rows is not None:
            self._held[:0] = rows
            self._spill_loaded = True
            logger.warning(
                "lookup log: %d lookups from the last stop to write in (%s)",
                len(rows),
                self.store.spill_path,
            )

    # Failure bookkeeping -----------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        if not self._failing:
            self._failing = True
            logger.warning(
                "lookup log: cannot write to %s (%s); holding %d rows and retrying",
                self.store,
                exc,
                self.pending,
            )
        else:
            logger.debug("lookup log: still cannot write to %s (%s)", self.store, exc)
        self._log_drops()

    def _recovered(self) -> None:
        self._retry = self._retry_initial
        self._log_drops()
        if self._failing:
            self._failing = False
            logger.warning("lookup log: writing to %s again", self.store)

    def _log_drops(self) -> None:
        new = self._dropped - self._dropped_logged
        if new:
            self._dropped_logged = self._dropped
            logger.error(
                "lookup log: dropped %d rows (%d in all): %d were already waiting for %s",
                new,
                self._dropped,
                self._max_pending,
                self.store,
            )
