"""The radar run over stored lookups, as if it had been on: for tuning and for the tests."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from bot.radar.alerts import Action, Alert, Send, advance
from bot.radar.detect import detect
from bot.radar.settings import RadarSettings
from bot.radar.windows import Key, Seen, Timeline


class Replayed(NamedTuple):
    """An alert the radar would have sent."""

    at: float  # the pass that sent it, epoch seconds UTC
    kind: str  # entry | provider | unanswered
    provider: str  # "" for unanswered
    entry: str  # the entry key ("" unless kind is entry); the bot shows its code
    people: int
    usual: float


def radar_pass(
    timeline: Timeline, alerts: Mapping[Key, Alert], now: float, settings: RadarSettings
) -> tuple[dict[Key, Alert], list[Action]]:
    """One pass of the radar at ``now`` over rows in memory."""
    current, baselines = timeline.windows_for(
        now, settings.window, settings.baseline_days, settings.baseline_reach
    )
    return advance(alerts, detect(current, baselines, settings), now, settings)


def replay(
    rows: Iterable[Seen] | Timeline,
    start: float,
    end: float,
    interval: float,
    settings: RadarSettings,
) -> list[Replayed]:
    """The alerts passes every ``interval`` seconds from ``start`` to ``end`` would have sent,
    over ``rows`` (or a Timeline of them)."""
    timeline = rows if isinstance(rows, Timeline) else Timeline(rows)
    alerts: dict[Key, Alert] = {}
    replayed: list[Replayed] = []
    # Counted in steps, not summed: passes a whole number of days apart must meet exactly.
    steps, step = int((end - start) // interval) + 1, 0
    while step < steps:
        now = start + step * interval
        step += 1
        if not alerts:
            # No alert open and nobody in the window: the pass would find nothing. On to the
            # pass at (or just before) the next lookup: a quiet period costs nothing.
            following = timeline.first_after(now - settings.window)
            if following is None:
                break
            if following > now:
                step = max(step, math.floor((following - start) / interval))
                continue
        alerts, actions = radar_pass(timeline, alerts, now, settings)
        for action in actions:
            if isinstance(action, Send):
                kind, provider, entry = action.key
                alert = action.alert
                replayed.append(Replayed(now, kind, provider, entry, alert.people, alert.usual))
    return replayed
