"""What replicas share through Redis (REDIS_URL): each person's flood budget, and what must
happen once (a vote per press, an update however often it is delivered). Without REDIS_URL,
each lives in the process, as before. (The radar and the digest take their lease in the
database, where their state is: Store.take_lease in bot/store/.)

Redis going away is not an outage: the process falls back to its own budgets and locks, says
so once, tries Redis again after a pause, and says when it is back. ``up`` tells /healthz and
/metrics which it is.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from bot.logs import without_password
from bot.telegram.flood import Budget, Verdict

if TYPE_CHECKING:
    # Imported only where REDIS_URL is set (Shared): the client's modules are 2.8 MiB of RSS
    # that a bot without Redis never uses.
    import redis.asyncio as redis

logger = logging.getLogger(__name__)

PREFIX = "codebook:"
TIMEOUT = 1.0  # seconds a Redis call may take before the process does without it
RETRY = 30.0  # seconds without Redis before it is tried again
IN_HAND_POLL = 0.5  # seconds between two looks at an update in hand elsewhere (Marks.taken)
T = TypeVar("T")

# GCRA in one step on Redis' own clock (replicas' clocks may differ): the person's bucket is
# full again at "t"; "n" is when they were last told they are over budget. Returns 0 answer,
# 1 notice, 2 silence. The key expires once the bucket is full and the notice forgotten.
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local interval, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('HGET', KEYS[1], 't')) or now
local told = tonumber(redis.call('HGET', KEYS[1], 'n')) or -1e18
local full_at = math.max(tat, now)
local ttl = math.ceil((window + interval) * 1000)
if full_at - now <= window - interval then
  redis.call('HSET', KEYS[1], 't', full_at + interval)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 0
end
if now - told >= window then
  redis.call('HSET', KEYS[1], 'n', now)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 1
end
return 2
"""


class Shared:
    """The Redis connection replicas share, and whether it answers now."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.client: redis.Redis | None = None
        self._errors: tuple[type[BaseException], ...] = (OSError,)
        if url is not None:
            import redis.asyncio as redis

            self._errors = (redis.RedisError, OSError)
            self.client = redis.Redis.from_url(
                url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
            )
        self.up = url is not None
        self._retry_at = 0.0

    async def call(self, work: Callable[[redis.Redis], Awaitable[T]]) -> T | None:
        """``work`` on Redis; None when there is no Redis, or it fails (said once)."""
        if self.client is None or (not self.up and time.monotonic() < self._retry_at):
            return None
        try:
            # The whole call bounded, not only each socket's read: the pool makes its
            # connections one at a time, and a hung Redis held the updates in flight a
            # second each, one after another (20 at once: 19 s; an attack).
            async with asyncio.timeout(TIMEOUT):
                result = await work(self.client)
        except self._errors as exc:
            if self.up:
                logger.warning(
                    "Redis at %s does not answer (%s): limits and locks are this process's "
                    "own until it is back",
                    without_password(self.url or ""),
                    str(exc) or f"no answer within {TIMEOUT:g} s",
                )
            self.up = False
            self._retry_at = time.monotonic() + RETRY
            return None
        if not self.up:
            logger.warning("Redis answers again: limits and locks are shared again")
            self.up = True
        return result

    async def close(self) -> None:
        """Close the connections."""
        if self.client is not None:
            await self.client.aclose()


class SharedBudget(Budget):
    """A person's budget kept in Redis for every replica, or in this process while Redis is
    away (or when there is none)."""

    def __init__(
        self, shared: Shared, name: str, limit: int, window: float = 60.0, **local: Any
    ) -> None:
        super().__init__(limit, window, **local)  # the budget while Redis is away
        self._shared = shared
        self._name = name

    async def take(self, person: int) -> Verdict:
        key = f"{PREFIX}flood:{self._name}:{person}"
        args = (self._interval, self.window)
        verdict = await self._shared.call(lambda r: _run(r, _TAKE, key, *args))
        if verdict is None:
            return await super().take(person)
        return (Verdict.ANSWER, Verdict.NOTICE, Verdict.SILENCE)[int(verdict)]


class Once:
    """Whether something happens for the first time within ``hold`` seconds, across replicas:
    a vote pressed twice (a double tap, or one press delivered to two replicas). (An update
    delivered again has ``Marks``, which also know whether it is still in hand.) Kept in Redis,
    or in this process (at most ``tracked`` at once) while there is none."""

    def __init__(self, shared: Shared, name: str, hold: float, tracked: int = 100_000) -> None:
        self._shared = shared
        self._name = name
        self._hold = hold
        self._tracked = tracked
        self._local: OrderedDict[str, float] = OrderedDict()

    async def first(self, *what: object) -> bool:
        """Whether ``what`` is new just now (and from now on, for ``hold`` seconds, it is not)."""
        key = _key(self._name, what)
        millis = int(self._hold * 1000)

        async def take(client: redis.Redis) -> bool:
            return bool(await client.set(key, 1, nx=True, px=millis))  # None when it was set

        taken = await self._shared.call(take)
        if taken is not None:
            return taken
        now = time.monotonic()
        while self._local and (
            next(iter(self._local.values())) <= now or len(self._local) >= self._tracked
        ):
            self._local.popitem(last=False)
        if key in self._local:
            return False
        self._local[key] = now + self._hold
        return True


class Mark(StrEnum):
    """Where an update stands across replicas (``Marks.take``)."""

    NEW = "new"  # the caller's now, in hand
    IN_HAND = "hand"  # in hand elsewhere (another delivery of it, here or at another replica)
    DONE = "done"  # handled already


class Marks:
    """Each update handled once however often it is delivered, across replicas, and never lost
    to its own mark. Taken, it is in hand for ``lease`` seconds (a replica that dies with it
    lets it go when the lease ends); handled, it is done for ``hold`` seconds (Telegram resends
    within minutes); cut off by a stop, it is forgotten, for its resend. Kept in Redis, or in
    this process (at most ``tracked`` at once) while there is none."""

    def __init__(
        self, shared: Shared, name: str, hold: float, lease: float, tracked: int = 100_000
    ) -> None:
        self._shared = shared
        self._name = name
        self._hold = hold
        self._lease = lease
        self._tracked = tracked
        self._local: OrderedDict[str, tuple[Mark, float]] = OrderedDict()
        # What Redis could not be told (it was away): done until (monotonic), or forgotten
        # (None). Told with the next call that reaches it, so that the other replicas do not
        # wait out a lease for an update handled here, then answer it again.
        self._owed: dict[str, float | None] = {}

    def _key(self, what: tuple[object, ...]) -> str:
        return _key(self._name, what)

    async def _settle(self, client: redis.Redis) -> None:
        if not self._owed:
            return
        now = time.monotonic()
        async with client.pipeline(transaction=False) as pipe:
            for key, until in self._owed.items():
                if until is None:
                    pipe.delete(key)
                elif until > now:
                    pipe.set(key, Mark.DONE.value, px=int((until - now) * 1000))
            await pipe.execute()
        self._owed.clear()

    def _owe(self, key: str, until: float | None) -> None:
        if self._shared.client is not None and len(self._owed) < self._tracked:
            self._owed[key] = until

    @property
    def in_redis(self) -> bool:
        """Whether the marks are Redis' now (shared by the replicas), not this process's."""
        return self._shared.client is not None and self._shared.up

    async def take(self, *what: object) -> Mark:
        """NEW: ``what`` is the caller's now, in hand; else where it stands."""
        key = self._key(what)

        async def mark(client: redis.Redis) -> Mark:
            await self._settle(client)
            # One SET, as each update makes; a GET only for a delivery that finds it taken
            # (a value from before marks had states, "1", reads as done).
            if await client.set(key, Mark.IN_HAND.value, nx=True, px=int(self._lease * 1000)):
                return Mark.NEW
            found = await client.get(key)
            if found is None:  # let go just now: the next look takes it
                return Mark.IN_HAND
            found = found.decode() if isinstance(found, bytes) else str(found)
            return Mark.IN_HAND if found == Mark.IN_HAND.value else Mark.DONE

        found = await self._shared.call(mark)
        if found is not None:
            return found
        now = time.monotonic()
        while self._local and len(self._local) >= self._tracked:
            self._local.popitem(last=False)
        held = self._local.get(key)
        if held is not None and held[1] > now:
            return held[0]
        self._local[key] = (Mark.IN_HAND, now + self._lease)
        self._local.move_to_end(key)
        return Mark.NEW

    async def taken(
        self, *what: object, wait: float | None = None, stopping: asyncio.Event | None = None
    ) -> Mark:
        """``take``, waiting while another delivery has ``what`` in hand: for ``wait`` seconds
        at most (None: until it is done or let go, the lease at the latest) and not past a
        ``stopping``; IN_HAND if it still has. Redis going away meanwhile is no letting go:
        this process's own marks know nothing of the other's hand, so taking the update from
        them could answer it twice at once."""
        loop = asyncio.get_running_loop()
        until = None if wait is None else loop.time() + wait
        seen_in_redis = False  # in hand at another replica, as Redis said
        while (mark := await self.take(*what)) is Mark.IN_HAND:
            seen_in_redis = seen_in_redis or self.in_redis
            if (stopping is not None and stopping.is_set()) or (
                until is not None and loop.time() >= until
            ):
                return mark
            await asyncio.sleep(IN_HAND_POLL)
        if mark is Mark.NEW and seen_in_redis and not self.in_redis:
            self._local.pop(self._key(what), None)  # its own mark; Redis' is the other's
            return Mark.IN_HAND
        return mark

    async def done(self, *what: object) -> None:
        """``what`` is handled: a delivery of it from now on is a duplicate, for ``hold``."""
        key = self._key(what)
        millis = int(self._hold * 1000)

        async def mark(client: redis.Redis) -> bool:
            await self._settle(client)
            return bool(await client.set(key, Mark.DONE.value, px=millis))

        if await self._shared.call(mark) is None:
            until = time.monotonic() + self._hold
            self._local[key] = (Mark.DONE, until)
            self._local.move_to_end(key)
            self._owe(key, until)

    async def forget(self, *what: object) -> None:
        """``what`` is new again (cut off by a stop: Telegram sends it again)."""
        key = self._key(what)

        async def drop(client: redis.Redis) -> int:
            await self._settle(client)
            return int(await client.delete(key))

        if await self._shared.call(drop) is None:
            self._owe(key, None)
        self._local.pop(key, None)


def _key(name: str, what: tuple[object, ...]) -> str:
    """The Redis key (and this process's) of ``what`` among ``name``'s."""
    return f"{PREFIX}{name}:{':'.join(map(str, what))}"


async def _run(client: redis.Redis, script: str, key: str, *args: Any) -> Any:
    return await client.eval(script, 1, key, *args)  # type: ignore[misc]
