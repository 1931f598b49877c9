"""One poller per bot: long polling takes a lease in the database first. Two processes long
polling one bot (replicas started without WEBHOOK_URL, a second copy left running) each took
updates Telegram handed out twice, and answered and counted them twice (an attack: 500
questions, 800 answers). Now the second stands by, says so, and polls once the first stops (it
gives the lease up) or dies (its lease runs out): a stand-by, not a double.

A database that does not answer cannot say whether another process polls: a process that has
seen none polls (a failing database never stops the bot from answering), one standing by for
another goes on standing by (a poller that dies while the database is away leaves no one
polling until it is back: two faults at once, where polling with every stand-by at each
outage would answer twice)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING

from bot.store import StorageUnavailable

if TYPE_CHECKING:
    from aiogram import Dispatcher

    from bot.store import Store

logger = logging.getLogger(__name__)

LEASE = "polling"
TTL = 30.0  # seconds a poller's lease lasts unrenewed: one that dies is replaced within this
RENEW = TTL / 3  # seconds between two renewals
LOOK = 2.0  # seconds between two looks of a stand-by: it polls this soon after a stop


# Seconds a look at the lease may take: a database that hangs delayed a start by its own
# timeouts, and a stop past Docker's 10 s (an attack: 5 s more each).
CALL = 2.0


async def stand_by(store: Store, holder: str, stop: asyncio.Event) -> bool:
    """Wait until this process holds the polling lease: True; False when ``stop`` is set
    first."""
    waiting = away = False
    while True:
        try:
            async with asyncio.timeout(CALL):
                if await store.take_lease(LEASE, holder, TTL, time.time()):
                    if waiting:
                        logger.warning("the other Codebook no longer polls: this one polls now")
                    return True
                other = await store.lease_holder(LEASE)
                if other is not None and _gone(other):
                    logger.info("the last poller here is gone (%s): its lease is let go", other)
                    await store.release_lease(LEASE, other)
                    continue
        except (StorageUnavailable, TimeoutError) as exc:
            reason = str(exc) or f"no answer within {CALL:g} s"
            if not waiting:
                logger.warning("cannot tell whether another Codebook polls this bot: %s", reason)
                return True
            if not away:  # (the other may be polling: both would, till the database is back)
                logger.warning("the database does not answer (%s): standing by still", reason)
                away = True
        else:
            away = False
            if not waiting:
                logger.warning(
                    "another Codebook polls this bot already (%s): this one stands by, and "
                    "polls once that one stops (replicas: set WEBHOOK_URL, README: Replicas)",
                    other,
                )
                waiting = True
        try:
            await asyncio.wait_for(stop.wait(), LOOK)
        except TimeoutError:
            continue
        return False


async def keep_polling(store: Store, holder: str, dp: Dispatcher) -> None:
    """Renew the lease while polling. Should another process hold it (this one's lapsed: this
    process could not reach the database for longer than TTL, and another could), polling stops
    here: one poller, not two (a supervisor that starts the bot again makes it a stand-by).
    While this process cannot reach the database it goes on polling: a stand-by that can may
    poll too for that long."""
    while True:
        await asyncio.sleep(RENEW)
        try:
            async with asyncio.timeout(CALL):
                if await store.take_lease(LEASE, holder, TTL, time.time()):
                    continue
        except (StorageUnavailable, TimeoutError):
            continue
        logger.error("another Codebook polls this bot now: this one stops polling")
        await dp.stop_polling()
        return


async def give_up(store: Store, holder: str) -> None:
    """Give the lease up at a stop: a stand-by takes over at its next look."""
    try:
        async with asyncio.timeout(CALL):
            await store.release_lease(LEASE, holder)
    except (StorageUnavailable, TimeoutError) as exc:
        reason = str(exc) or f"no answer within {CALL:g} s"
        logger.warning("the polling lease was not given up (it runs out in %g s): %s", TTL, reason)


def this_process() -> str:
    """This process among replicas, as its leases name it: ``host:namespace:pid:nonce``, the
    namespace its pids are counted in (the inode of /proc/self/ns/pid; "?" where there is none),
    a nonce for each start."""
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = "?"
    return f"{socket.gethostname()}:{namespace}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _gone(holder: str) -> bool:
    """Whether ``holder`` (see ``this_process``) was a process that is no more, as this one can
    tell: one of this host and pid namespace with this very pid in an earlier life (a bot
    restarted, pid 1 again), or a pid that no process has there. (Restarted after a kill -9,
    the bot stood by for its own last life's lease to run out. Without the namespace, two
    containers sharing a host's name, each pid 1, each took the other for its earlier life and
    both polled: a second attack.)"""
    parts = holder.split(":")
    here = this_process().split(":")
    if len(parts) != 4 or parts[:2] != here[:2] or parts[1] == "?" or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's: alive
        return False
    return False
