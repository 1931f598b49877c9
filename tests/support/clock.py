"""A wall clock the test moves by hand, for the bot's loops that take ``clock`` and ``sleep``
(the radar's passes, the weekly digest): no test waits for real time to pass."""

from __future__ import annotations

import asyncio

HANG = 60.0  # seconds before a wait for a loop that never comes gives up (a hang, not a verdict)


class DrivenClock:
    """Reads ``at``; a loop's ``sleep`` ends once the test ``advance``s the clock past it, and
    ``asleep`` waits for loops to have gone to sleep: the event that says they did their work."""

    def __init__(self, at: float) -> None:
        self.at = at
        self.slept: list[float] = []  # every sleep asked for, in order
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self._changed = asyncio.Event()

    def time(self) -> float:
        """The clock's reading (what ``time.time`` would say)."""
        return self.at

    async def sleep(self, seconds: float) -> None:
        """Return once the clock has been moved ``seconds`` on (at once if not positive)."""
        self.slept.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        wake = asyncio.get_running_loop().create_future()
        sleeper = (self.at + seconds, wake)
        self._sleepers.append(sleeper)
        self._notify()
        try:
            await wake
        finally:
            if sleeper in self._sleepers:  # cancelled while asleep
                self._sleepers.remove(sleeper)

    def advance(self, seconds: float) -> None:
        """Move the clock on; wake the loops whose sleep is over."""
        self.at += seconds
        for sleeper in [s for s in self._sleepers if s[0] <= self.at]:
            self._sleepers.remove(sleeper)
            if not sleeper[1].done():
                sleeper[1].set_result(None)

    async def asleep(self, count: int = 1) -> None:
        """Wait until ``count`` loops are asleep on this clock."""
        async with asyncio.timeout(HANG):
            while len(self._sleepers) < count:
                changed = self._changed
                await changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
