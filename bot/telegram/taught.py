"""The phrases the keepers taught, kept current in every process that shares the database:
read at start, then again whenever the database's counter of changes moved (a teach or a
forget here or in another replica) or the last read failed. A failing database never stops
answers: the phrases read last go on answering."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.core.library import Library
from bot.store import StorageUnavailable, Store

logger = logging.getLogger(__name__)

# Seconds between two looks at the counter: how long another replica may answer a phrase
# taught or taken back elsewhere as before. One row read: cheap on either database.
POLL_INTERVAL = 3.0


class TaughtPhrases:
    """Reads the taught phrases into the library when the database says they changed."""

    def __init__(self, store: Store, library: Library) -> None:
        self.store = store
        self.library = library
        self.version: int | None = None  # the counter as last read; None until a read succeeds
        self._failing = False
        self._reading = asyncio.Lock()  # one read at a time: an older list never wins

    async def refresh(self) -> bool:
        """Read the phrases into the library now (at start, after a teach or a forget); False
        if the database failed (said once in the log until a read succeeds)."""
        async with self._reading:
            try:
                # The counter first: a change between the two reads is read again next time.
                version = await self.store.taught_version()
                rows = await self.store.taught()
            except StorageUnavailable as exc:
                self._failed(exc)
                return False
            self.library.use_taught(rows)
            self.version = version
        if self._failing:
            self._failing = False
            logger.warning("taught phrases read again (%d)", len(rows))
        return True

    async def poll(self) -> None:
        """One look at the counter: read the phrases if it moved or the last read failed."""
        if self.version is not None:
            try:
                if await self.store.taught_version() == self.version:
                    return
            except StorageUnavailable as exc:
                self._failed(exc)
                return
        await self.refresh()

    async def run(
        self,
        interval: float = POLL_INTERVAL,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,  # a test's driven clock
    ) -> None:
        """Poll every ``interval`` seconds until cancelled."""
        while True:
            await sleep(interval)
            try:
                await self.poll()
            except Exception:  # a bug: this look is lost, not the next ones
                logger.exception("taught phrases: the look at the database failed")

    def _failed(self, exc: StorageUnavailable) -> None:
        self.version = None  # the next look reads the phrases, whatever the counter says
        if not self._failing:
            self._failing = True
            logger.warning(
                "taught phrases could not be read, answering with those read before (if any) "
                "and trying again every %.0f s: %s",
                POLL_INTERVAL,
                exc,
            )
