"""The radar's knobs and their defaults (the RADAR_* settings read them, with their bounds, in
bot/settings/: ``Settings.radar``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RadarSettings:
    """How the radar counts, when it calls something a spike, and when a spike is over."""

    window: float = 1800.0  # RADAR_WINDOW: seconds of lookups in one count
    baseline_days: int = 7  # RADAR_BASELINE_DAYS: previous days compared at the same clock time
    # Baseline windows also this far either side of the same clock time, in whole windows.
    baseline_reach: float = 7200.0
    min_people: int = 5  # RADAR_MIN_PEOPLE: fewer distinct people are never a spike
    alert_p: float = 1e-5  # a spike is this improbable at most: detect.py says why
    above_p: float = 0.05  # an alerted key still counts as above its usual while p is this low
    resolve_after: float = 3600.0  # back to normal this long: the alert is resolved
    interval: float = 300.0  # RADAR_INTERVAL: seconds between passes, on the clock's grid
