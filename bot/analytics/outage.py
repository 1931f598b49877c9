"""The writer's account of the database failing: whether it is, how long to wait before the
next try, and the rows dropped meanwhile; each change said once in the log, not every retry."""

from __future__ import annotations

import logging

logger = logging.getLogger("bot.analytics.writer")  # said as the writer's own


class Outage:
    """Failing or not, and the rows dropped because ``max_pending`` were already waiting."""

    def __init__(
        self, where: object, max_pending: int, retry_initial: float, retry_max: float
    ) -> None:
        self.where = where  # the database, as the log names it
        self.max_pending = max_pending
        self.failing = False
        self.dropped = 0
        self._dropped_said = 0
        self._retry_initial = self.retry = retry_initial
        self._retry_max = retry_max

    def backed_off(self) -> float:
        """The wait before the next try, doubled for the one after (up to ``retry_max``)."""
        wait, self.retry = self.retry, min(self.retry * 2, self._retry_max)
        return wait

    def failed(self, exc: BaseException, pending: int) -> None:
        """A write (or the open) failed: said once, until it recovers."""
        if not self.failing:
            self.failing = True
            logger.warning(
                "lookup log: cannot write to the database (%s): the lookups wait in memory "
                "(%d now) and are written once it answers",
                exc,
                pending,
            )
        else:
            logger.debug("lookup log: still cannot write to the database (%s)", exc)
        self.say_drops()

    def recovered(self) -> None:
        """A write succeeded: said if the database was failing."""
        self.retry = self._retry_initial
        self.say_drops()
        if self.failing:
            self.failing = False
            logger.warning("lookup log: writing to %s again", self.where)

    def say_drops(self) -> None:
        """Log the rows dropped since last said, if any."""
        new = self.dropped - self._dropped_said
        if new:
            self._dropped_said = self.dropped
            logger.error(
                "lookup log: dropped %d rows (%d in all): %d were already waiting for %s",
                new,
                self.dropped,
                self.max_pending,
                self.where,
            )
