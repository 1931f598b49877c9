"""The catalogs' reloads (SIGHUP and /reload), one at a time however many are asked for."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any, TypeVar

from bot.core.library import Library, Reload

T = TypeVar("T")


class Reloads:
    """At most one reload running and one waiting: every ask made while one runs is answered
    by the next, so 200 SIGHUPs are two reloads, not 200. A stop drops the waiting one and does
    not wait for the running one (its thread is left to the process's end)."""

    def __init__(self, library: Library) -> None:
        self._library = library
        self._running: asyncio.Task[None] | None = None
        self._waiting: list[asyncio.Future[Reload]] = []  # asks the next reload answers
        self._stopped = False

    def ask(self) -> asyncio.Future[Reload]:
        """A reload that starts from now on; the future is what it did (cancelled by a stop)."""
        answer: asyncio.Future[Reload] = asyncio.get_running_loop().create_future()
        if self._stopped:
            answer.cancel()
        elif self._running is None:
            self._running = asyncio.create_task(self._run([answer]), name="catalog reload")
        else:
            self._waiting.append(answer)
        return answer

    def stop(self) -> None:
        """Cancel the waiting reload and stop waiting for the running one; start no more."""
        self._stopped = True
        for answer in self._waiting:
            answer.cancel()
        self._waiting.clear()
        if self._running is not None:
            self._running.cancel()

    async def _run(self, asked: list[asyncio.Future[Reload]]) -> None:
        try:
            while asked:
                outcome: Reload | Exception
                try:
                    outcome = await in_daemon_thread(self._library.reload)
                except Exception as exc:  # a fault, not a catalog's problem: the asker's to see
                    outcome = exc
                for answer in asked:
                    if answer.done():
                        continue  # the asker went away
                    if isinstance(outcome, Exception):
                        answer.set_exception(outcome)
                    else:
                        answer.set_result(outcome)
                asked, self._waiting = self._waiting, []
        finally:
            for answer in asked:
                answer.cancel()  # stopped: no reload will answer them
            self._running = None


async def in_daemon_thread(work: Callable[[], T]) -> T:
    """``work()`` in a thread of its own that the process does not wait for at its end: a
    thread cannot be cancelled, and a reload stuck on a file must not hold up a stop."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        settle: Callable[[], None]
        try:
            settle = partial(_succeed, done, work())
        except Exception as exc:
            settle = partial(_fail, done, exc)
        with suppress(RuntimeError):  # the loop has closed: nobody waits for this any more
            loop.call_soon_threadsafe(settle)

    threading.Thread(target=run, name="catalog reload", daemon=True).start()
    return await done


def _succeed(done: asyncio.Future[T], result: T) -> None:
    if not done.done():  # not cancelled meanwhile
        done.set_result(result)


def _fail(done: asyncio.Future[Any], error: Exception) -> None:
    if not done.done():
        done.set_exception(error)
