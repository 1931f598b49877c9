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
from collections.abc import Awaitable, Callable
from contextlib import suppress
from itertools import chain
from pathlib import Path

from bot.analytics.days import DAY_SECONDS, day_number, iso_day, midnight
from bot.analytics.outage import Outage
from bot.analytics.rollup import Lookup, Stored, Vote, stored_rows
from bot.analytics.spill import read_spills, spill
from bot.store import DatabaseTooNew, StorageUnavailable, Store, open_store

logger = logging.getLogger(__name__)

# A transaction takes everything waiting, up to this many times batch_rows: under load, fewer
# and larger transactions are what lets the writer keep up.
_BATCH_GROWTH = 20
# What a stop gives the database to take what is left before it spills: within the stop that
# the README promises (a process manager's SIGKILL comes after 10 s in Docker), whatever the
# database does.
STOP_WRITE = 5.0

# The pseudonyms' key: given, or read from the database before the first write (PostgreSQL's,
# shared by replicas); None: nothing is recorded.
KeySource = bytes | Callable[[], Awaitable[bytes]] | None


class LookupLog:
    """Lookups and votes queued in memory and written to the store in batches by one task.

    Recording never waits for the database. Without an analytics key (``secret`` None) nothing
    is recorded, and ``off_reason`` says why.
    """

    def __init__(
        self,
        store: Store | Path,
        *,
        secret: KeySource,
        off_reason: str | None = None,
        retention_days: int = 365,
        batch_rows: int = 500,
        flush_interval: float = 0.5,
        max_pending: int = 100_000,
        retry_initial: float = 0.5,
        retry_max: float = 30.0,
    ) -> None:
        self.store: Store = open_store(store) if isinstance(store, Path) else store
        self.secret = secret if isinstance(secret, bytes) else None  # the pseudonyms', once read
        self.read_key = None if isinstance(secret, bytes) else secret  # the database keeps it
        self.off_reason = off_reason or ("no analytics key" if secret is None else None)
        self._retention_days = retention_days
        self._batch_rows = batch_rows
        self._batch_limit = batch_rows * _BATCH_GROWTH
        self._flush_interval = flush_interval
        self._max_pending = max_pending
        self._queue: deque[Lookup | Vote] = deque()  # as handed over: raw ids, raw text
        self._held: list[Stored] = []  # made ready to store, waiting for the database
        self._in_flight = 0
        self._spill_loaded: list[Path] = []  # spill files whose rows are among the held ones
        self.written = 0  # rows written to the database since start
        self.lost = 0  # rows neither written nor spilled at the stop
        self.failed_at_stop = False  # the database did not take what was left (spilled)
        self._outage = Outage(self.store, max_pending, retry_initial, retry_max)
        self._next_prune = 0.0
        self._pruned = 0  # lookups pruned by the days of a prune not yet done
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
        return self._outage.dropped

    @property
    def healthy(self) -> bool:
        """Recording, and the last write of any kind (or the first open) succeeded."""
        failing = self._outage.failing or self.store.write_failure is not None
        return self.off_reason is None and not failing

    async def start(self) -> None:
        """Open and migrate the database, write in what the last stop spilled, prune, and
        start the writer task. Raises DatabaseTooNew for a file from newer code; any other
        failure is logged and retried in the background while recording goes on. Cancelled
        (a stop during a webhook's start: bot/telegram/webhook.py), it ends first: cut while
        the database committed a spill's rows, it kept them held, and the stop's close() wrote
        them again."""
        starting = asyncio.ensure_future(self._start())
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            await starting
            raise

    async def _start(self) -> None:
        if self._task is not None:
            return
        spilled = read_spills(self.store.spill_path)
        self._held[:0] = [row for _, rows in spilled for row in rows]
        self._spill_loaded = [place for place, _ in spilled]
        try:
            async with self._lock:
                await self._open_and_prune()
                if self.secret is None and self.read_key is not None:
                    # Read while the database is there: one that went away before the first
                    # write left a whole run's lookups without their person (found by an
                    # attack: a short outage after a sound start).
                    self.secret = await self.read_key()
                await self._write_all()
        except DatabaseTooNew:
            raise
        except StorageUnavailable as exc:
            self._outage.failed(exc, self.pending)
        else:
            self._outage.recovered()
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
            self._outage.dropped += 1  # the writer says it: logging here slows every answer
        self._queue.append(item)
        if len(self._queue) >= self._batch_rows:
            self._wake.set()

    async def flush(self) -> None:
        """Write everything recorded so far; StorageUnavailable if the database fails now."""
        try:
            async with self._lock:
                tried = await self._write_all()
        except StorageUnavailable as exc:
            self._outage.failed(exc, self.pending)
            raise
        if tried or not self._outage.failing:
            # (with nothing to write, a failing database was not tried: a stop said "writing
            # to ... again" of one that never answered, an attack)
            self._outage.recovered()

    async def close(self) -> bool:
        """Write everything queued, stop the writer task, close the database. What cannot be
        written within STOP_WRITE seconds is spilled; False only if even that failed
        (``lost``: how many rows went)."""
        self._stopping.set()
        self._wake.set()
        try:
            await asyncio.wait_for(self._finish(), STOP_WRITE)
            return True
        except (StorageUnavailable, TimeoutError) as exc:
            self.failed_at_stop = True
            if isinstance(exc, TimeoutError):
                logger.warning(
                    "lookup log: the database took more than %.0f s at the stop: spilled",
                    STOP_WRITE,
                )
            return await asyncio.to_thread(self._spill)
        finally:
            async with self._lock:
                await self.store.close()

    async def _finish(self) -> None:
        """The writer task's round ended, and what is left written. Cut off by a timeout,
        what a write held stays held (``_write_all``), for the spill."""
        if self._task is not None:
            task, self._task = self._task, None
            await task
        await self.flush()

    async def prune(self, now: float | None = None) -> int:
        """Delete what is older than the retention period, all of it; how many lookups went."""
        deleted, done = 0, False
        while not done:
            async with self._lock:
                went, done = await self._prune(time.time() if now is None else now)
            deleted += went
        return deleted

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
            async with self._lock:  # one round at a time: rows go in in order
                await self._open_and_prune()
                await self._write_all()
        except StorageUnavailable as exc:
            self._outage.failed(exc, self.pending)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._outage.backed_off())
        else:
            self._outage.recovered()

    async def _open_and_prune(self) -> None:
        await self.store.open()
        now = time.time()
        if now >= self._next_prune:
            await self._prune(now)

    async def _write_all(self) -> bool:
        """Write the rows held and queued now, in transactions of up to the batch limit. What a
        failed write held stays held, in order. Whether the database was written to (or tried
        with a write of nothing)."""
        written = self.written
        if self._queue and self.secret is None and self.read_key is not None:
            self.secret = await self.read_key()  # the one replicas share
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
                self.written += len(chunk)
        finally:  # a write failed: what was not made ready is made ready and held, in order
            if ready is not None:
                await self._hold(*ready)
            if parts:
                rest = [*chain(*parts)]
                await self._hold(asyncio.to_thread(self._stored, rest), len(rest))
            self._in_flight = 0
        tried = self.written > written
        if self.store.write_failure is not None:
            await self.store.prune_relayed(0.0)  # a write of nothing: is the database writable?
            tried = True
        if self._spill_loaded:
            for place in self._spill_loaded:
                place.unlink(missing_ok=True)
            self._spill_loaded.clear()
            logger.warning("lookup log: wrote in what the last stop left in the spill file")
        return tried

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

    def _stored(self, items: list[Lookup | Vote], *, unkeyed: bool = False) -> list[Stored]:
        """What is stored of ``items``; the malformed are dropped, said once by field.
        ``unkeyed``: made even without the key (a stop with the database down from the start):
        the lookups kept without their person, the votes dropped."""
        if self.secret is None and not unkeyed:  # the key was never read: wait for it
            return []
        rows, wrong = stored_rows(items, self.secret)
        if wrong:
            fields = ", ".join(f"{field} {n}" for field, n in wrong.most_common())
            logger.error("lookup log: skipped %d malformed rows (%s)", wrong.total(), fields)
        return rows

    async def _prune(self, now: float) -> tuple[int, bool]:
        """Keep the last ``retention_days`` whole UTC days, today included: one day's worth
        (the oldest kept) a call, in a transaction of its own; how many lookups went, and
        whether all that is due went. A backlog (a shorter retention, a long pause) is worked off
        a day a writer round, writes going on between: deleted in one statement, it could
        outlast PostgreSQL's PRUNE_TIMEOUT, be given up and tried again the next day, for ever,
        and on SQLite it held every write and the handoff's meanwhile."""
        first = day_number(now) - self._retention_days + 1
        oldest = await self.store.oldest_day()
        upto = first if oldest is None else min(first, oldest + 1)
        deleted = await self.store.prune(upto, midnight(upto))
        self._pruned += deleted
        done = upto >= first
        self._next_prune = time.time() + DAY_SECONDS if done else 0.0  # the next round goes on
        if done and self._pruned:
            logger.info(
                "lookup log: pruned %d lookups from before %s", self._pruned, iso_day(first)
            )
            self._pruned = 0
        return deleted, done

    # Spilling at a stop ------------------------------------------------------------------------

    def _spill(self) -> bool:
        """Every row not yet in the database to the spill file (spill.spill: where, and what is
        kept when the key the database keeps was never read); False if even that failed."""
        unkeyed = self.secret is None and bool(self._queue)
        rows = self._held + self._stored(list(self._queue), unkeyed=unkeyed)
        anonymous = sum(isinstance(item, Lookup) for item in self._queue) if unkeyed else 0
        self._queue.clear()
        self._held.clear()
        kept = spill(self.store.spill_path, rows, self.store, anonymous)
        self.lost = 0 if kept else len(rows)
        return not self.lost
