"""One poller per bot: long polling takes a lease in the database first. Two processes long
polling one bot (replicas started without WEBHOOK_URL, a second copy left running) each took
updates Telegram handed out twice, and answered and counted them twice (an attack: 500
questions, 800 answers). Now the second stands by, says so, and polls once the first stops (it
gives the lease up) or dies (its lease runs out): a stand-by, not a double.

A database that does not answer cannot say whether another process polls: a process that has
seen none polls (a failing database never stops the bot from answering), one standing by for
another goes on standing by."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
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


async def stand_by(store: Store, holder: str, stop: asyncio.Event) -> bool:
    """Wait until this process holds the polling lease: True; False when ``stop`` is set
    first."""
    waiting = False
    while True:
        try:
            if await store.take_lease(LEASE, holder, TTL, time.time()):
                if waiting:
                    logger.warning("the other Codebook no longer polls: this one polls now")
                return True
            other = await store.lease_holder(LEASE)
            if other is not None and _gone(other):
                logger.info("the last poller on this host is gone (%s): its lease is let go", other)
                await store.release_lease(LEASE, other)
                continue
        except StorageUnavailable as exc:
            if not waiting:
                logger.warning("cannot tell whether another Codebook polls this bot: %s", exc)
                return True
        else:
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
    """Renew the lease while polling. Should another process hold it (this one's lapsed: the
    database was away longer than TTL), polling stops here: one poller, not two (a supervisor
    that starts the bot again makes it a stand-by)."""
    while True:
        await asyncio.sleep(RENEW)
        try:
            if await store.take_lease(LEASE, holder, TTL, time.time()):
                continue
        except StorageUnavailable:
            continue  # (another process cannot take it either: it reads the same database)
        logger.error("another Codebook polls this bot now: this one stops polling")
        await dp.stop_polling()
        return


async def give_up(store: Store, holder: str) -> None:
    """Give the lease up at a stop: a stand-by takes over at its next look."""
    try:
        await store.release_lease(LEASE, holder)
    except StorageUnavailable as exc:
        logger.warning("the polling lease was not given up (it runs out in %g s): %s", TTL, exc)


def _gone(holder: str) -> bool:
    """Whether ``holder`` (``host:pid:nonce``, bot/telegram/app.py) was a process of this host
    that is no more: this very process's pid in an earlier life (a container restarted, pid 1
    again), or a pid that no process has. (Restarted after a kill -9, the bot stood by for its
    own last life's lease to run out.)"""
    host, _, rest = holder.partition(":")
    pid, _, _ = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's: alive
        return False
    return False
