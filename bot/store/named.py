"""The store's methods written once over the named queries both databases answer (queries.sql):
taught phrases, the radar's state, leases and reports. Each store supplies three ways to run
a query: on its connection (``_rows``), in a transaction of its own (``_change``), and in a
read-only snapshot (``_snapshot``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import astuple
from typing import Any

from bot.analytics.reports import Report
from bot.radar.alerts import Alert, mute
from bot.radar.windows import Asked, Key, Seen
from bot.store.reading import Snapshot, Unwritten, Writes, read_export, read_report

ALERT_COLUMNS = (
    "kind", "provider", "entry", "since", "people", "usual", "peak", "above_at", "resolved_at",
    "muted_until", "messages",
)  # fmt: skip
# The lookups a replay reads at a time (radar_history): a batch's rows are held as tuples only
# until the replay's Timeline takes them in.
RADAR_BATCH = 10_000
FOREVER = 1e300  # a lease's end that never comes (a week's digest, claimed for good)


class NamedQueries(ABC):
    """Taught phrases, the radar's state, leases and reports, over the named queries."""

    @abstractmethod
    async def _rows(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of the named query."""

    @abstractmethod
    async def _change(self, name: str, params: Mapping[str, Any]) -> int:
        """The named statement in a transaction of its own; how many rows it changed."""

    @abstractmethod
    def _snapshot(self) -> AbstractAsyncContextManager[Snapshot]:
        """Named queries in one read-only transaction (a report's numbers from one moment)."""

    # Taught phrases ----------------------------------------------------------------------------

    async def teach(self, phrase: str, provider: str, key: str, at: float) -> None:
        """Remember that ``phrase`` means that entry."""
        await self._change(
            "teach", {"phrase": phrase, "provider": provider, "entry": key, "at": at}
        )

    async def forget(self, phrase: str) -> int:
        """Forget what ``phrase`` was taught; how many entries it meant."""
        return await self._change("forget", {"phrase": phrase})

    async def taught(self) -> list[tuple[str, str, str]]:
        """Every phrase taught with each entry it means, oldest first."""
        return [(phrase, slug, key) for phrase, slug, key in await self._rows("taught", {})]

    async def oldest_day(self) -> int | None:
        """The first day the daily totals hold (that of the oldest lookup); None when empty."""
        rows = await self._rows("oldest_day", {})
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    async def taught_version(self) -> int:
        """The counter migration 0006's triggers move with every change to the phrases."""
        ((version,),) = await self._rows("taught_version", {})
        return int(version)

    # The radar ---------------------------------------------------------------------------------

    async def radar_rows(self, start: float, end: float) -> list[Seen]:
        """The lookups in ``(start, end]`` as the radar counts them."""
        return [Seen(*row) for row in await self._rows("radar_rows", {"start": start, "end": end})]

    async def radar_history(self, start: float, end: float) -> AsyncIterator[list[Seen]]:
        """The same lookups in time order, ``RADAR_BATCH`` at a time, from one snapshot."""
        params = {"start": start, "end": end}
        async with self._snapshot() as snapshot:
            async for rows in snapshot.batches("radar_history", params, RADAR_BATCH):
                yield [Seen(*row) for row in rows]

    async def radar_queries(self, start: float, end: float) -> list[Asked]:
        """The lookups in ``(start, end]`` with what was asked."""
        found = await self._rows("radar_queries", {"start": start, "end": end})
        return [Asked(*row) for row in found]

    async def open_alerts(self, now: float) -> dict[Key, Alert]:
        """The alerts a pass carries on: open, or muted."""
        alerts = [Alert(*row) for row in await self._rows("radar_open_alerts", {"now": now})]
        # One alert per key: should an old row be left open (a crash between two writes), the
        # latest one is the alert.
        return {alert.key: alert for alert in sorted(alerts, key=lambda alert: alert.since)}

    async def alerts_between(self, since: float, until: float) -> list[Alert]:
        """The alerts that started in ``[since, until)``, oldest first (the digest's)."""
        rows = await self._rows("radar_alerts_since", {"since": since, "until": until})
        return [Alert(*row) for row in rows]

    async def save_alerts(self, alerts: Iterable[Alert]) -> None:
        """Store ``alerts``, each replacing its row."""
        for alert in alerts:
            await self._change("save_alert", dict(zip(ALERT_COLUMNS, astuple(alert), strict=True)))

    async def mute(self, key: Key, until: float, now: float) -> Alert:
        """Mute ``key`` until ``until``: its open alert, or a row of its own if it has none."""
        alert = mute(await self.open_alerts(now), key, until, now)[key]
        if alert.people == 0:  # no alert: the mute's own row
            await self.save_alerts([alert])
        else:
            params = {"kind": alert.kind, "provider": alert.provider, "entry": alert.entry}
            await self._change("mute_alert", {**params, "since": alert.since, "until": until})
        return alert

    # Leases ------------------------------------------------------------------------------------

    async def take_lease(self, name: str, holder: str, ttl: float, now: float) -> bool:
        """Whether ``holder`` holds the lease ``name`` now: taken if free or expired, renewed
        if its own, for ``ttl`` seconds (``float('inf')``: for good)."""
        until = now + ttl if ttl != float("inf") else FOREVER
        await self._change(
            "take_lease", {"name": name, "holder": holder, "until": until, "now": now}
        )
        return await self.lease_holder(name) == holder

    async def lease_holder(self, name: str) -> str | None:
        """Who holds the lease ``name`` (or held it last, if it ran out); None: no one."""
        rows = await self._rows("lease_holder", {"name": name})
        return str(rows[0][0]) if rows else None

    async def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up: another holder takes it at once."""
        await self._change("release_lease", {"name": name, "holder": holder})

    # Reports -----------------------------------------------------------------------------------

    async def report(self, days: int, top: int, now: float | None = None) -> Report:
        """The report of the last ``days`` days, ``top`` rows in each list."""
        async with self._snapshot() as snapshot:
            return await read_report(snapshot.fetch, days, top, now)

    async def export_csv(self, days: int, out: Writes, now: float | None = None) -> None:
        """The lookups of the last ``days`` days as CSV text written to ``out`` a batch at a
        time, all read from one snapshot; nothing written before the database answers.
        StorageUnavailable if it fails; what ``out`` raises, as it raised it."""
        try:
            async with self._snapshot() as snapshot:
                await read_export(snapshot.batches, out, days, now)
        except Unwritten as exc:
            raise exc.error from None
