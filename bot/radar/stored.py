"""The radar's state in the lookup log's database (SQLite or PostgreSQL, migration 0005): the
windows' rows, the alerts, and the lease that lets one process of several send.

Everything here goes through two calls any store answers (``fetch`` and ``execute`` of a named
query in bot/store/queries.sql), so both databases run the same code.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import astuple
from typing import Any, Protocol

from bot.radar.alerts import Alert, mute
from bot.radar.settings import RadarSettings
from bot.radar.windows import DAY_SECONDS, Key, Seen, keys_of

ALERT_COLUMNS = (
    "kind", "provider", "entry", "since", "people", "usual", "peak", "above_at", "resolved_at",
    "muted_until", "messages",
)  # fmt: skip


class Database(Protocol):
    """Named queries on the lookup log's database (LookupLog, or a store)."""

    async def fetch(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]: ...
    async def execute(self, name: str, params: Mapping[str, Any]) -> int: ...


def spans(end: float, settings: RadarSettings) -> list[tuple[float, float]]:
    """The stretches of time a pass at ``end`` reads: its window, and on each previous day the
    same clock time, ``baseline_reach`` either side (see windows.baseline_ends)."""
    reach = settings.baseline_reach // settings.window * settings.window
    read = [(end - settings.window, end)]
    for day in range(1, settings.baseline_days + 1):
        then = end - day * DAY_SECONDS
        read.append((then - reach - settings.window, then + reach))
    return read


async def seen(db: Database, end: float, settings: RadarSettings) -> list[Seen]:
    """The rows a pass at ``end`` counts."""
    rows: list[Seen] = []
    for start, stop in spans(end, settings):
        found = await db.fetch("radar_rows", {"start": start, "end": stop})
        rows += [Seen(*row) for row in found]
    return rows


async def phrasings(
    db: Database, end: float, settings: RadarSettings, keys: Iterable[Key], top: int = 3
) -> dict[Key, list[tuple[str, int]]]:
    """The questions most people asked about each key in the window ending at ``end`` (masked
    when they were stored), with how many people asked each."""
    wanted = set(keys)
    asked: dict[Key, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    window = {"start": end - settings.window, "end": end}
    for person, provider, entry, outcome, query in await db.fetch("radar_queries", window):
        row = Seen(0.0, person, provider, entry, outcome)
        for key in keys_of(row):
            if key in wanted and person is not None:
                asked[key][" ".join(query.split()).casefold()].add(person)
    return {
        key: Counter({query: len(people) for query, people in asked[key].items()}).most_common(top)
        for key in wanted
    }


async def open_alerts(db: Database, now: float) -> dict[Key, Alert]:
    """The alerts a pass carries on: open, or muted."""
    rows = await db.fetch("radar_open_alerts", {"now": now})
    alerts = [Alert(*row) for row in rows]
    # One alert per key: should an old row be left open (a crash between two writes), the
    # latest one is the alert.
    return {alert.key: alert for alert in sorted(alerts, key=lambda alert: alert.since)}


async def alerts_between(db: Database, since: float, until: float) -> list[Alert]:
    """The alerts that started in ``[since, until)``, oldest first (the digest's)."""
    rows = await db.fetch("radar_alerts_since", {"since": since, "until": until})
    return [Alert(*row) for row in rows]


async def save(db: Database, alerts: Iterable[Alert]) -> None:
    """Store ``alerts``, each replacing its row."""
    for alert in alerts:
        await db.execute("save_alert", dict(zip(ALERT_COLUMNS, astuple(alert), strict=True)))


async def muted(db: Database, key: Key, until: float, now: float) -> Alert:
    """Mute ``key`` until ``until``: its open alert, or a row of its own if it has none."""
    alert = mute(await open_alerts(db, now), key, until, now)[key]
    if alert.people == 0:  # no alert: the mute's own row
        await save(db, [alert])
    else:
        params = {"kind": alert.kind, "provider": alert.provider, "entry": alert.entry}
        await db.execute("mute_alert", {**params, "since": alert.since, "until": until})
    return alert


async def holds(db: Database, name: str, holder: str, ttl: float, now: float) -> bool:
    """Whether ``holder`` holds the lease ``name`` now: taken if free or expired, renewed if
    its own, for ``ttl`` seconds (``float('inf')``: taken once and for good)."""
    until = now + ttl if ttl != float("inf") else 1e300
    await db.execute("take_lease", {"name": name, "holder": holder, "until": until, "now": now})
    rows = await db.fetch("lease_holder", {"name": name})
    return bool(rows) and rows[0][0] == holder


async def release(db: Database, name: str, holder: str) -> None:
    """Give the lease up (a process stopping): another takes it at its next pass."""
    await db.execute("release_lease", {"name": name, "holder": holder})


def message_refs(alert: Alert) -> list[tuple[int, int]]:
    """The (chat id, message id) of each message the alert was sent as."""
    return [(int(chat), int(message)) for chat, message in json.loads(alert.messages or "[]")]


def with_refs(refs: Iterable[tuple[int, int]]) -> str:
    """``messages`` for an alert sent as ``refs``."""
    return json.dumps([list(ref) for ref in refs])
