"""The radar's knobs, with the defaults the issue names, and the one way to make them from the
RADAR_* settings (the running bot's, already checked by bot.config, or the environment's text,
read by the commands that start without pydantic)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.environment import seconds


@dataclass(frozen=True, slots=True)
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


def radar_settings(
    interval: float | str, window: float | str, baseline_days: int | str, min_people: int | str
) -> RadarSettings:
    """RadarSettings from RADAR_INTERVAL, RADAR_WINDOW, RADAR_BASELINE_DAYS and RADAR_MIN_PEOPLE,
    as numbers or as the environment writes them (``5m``); ValueError names a bad one. The
    bounds are bot.config's, so that a replay never runs settings the bot would refuse."""
    return RadarSettings(
        interval=_within("RADAR_INTERVAL", _duration("RADAR_INTERVAL", interval), 10),
        window=_within("RADAR_WINDOW", _duration("RADAR_WINDOW", window), 60),
        baseline_days=int(_within("RADAR_BASELINE_DAYS", _whole(baseline_days), 1, 60)),
        min_people=int(_within("RADAR_MIN_PEOPLE", _whole(min_people), 2)),
    )


def _duration(name: str, value: float | str) -> float:
    try:
        return float(seconds(value))
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _whole(value: int | str) -> float:
    text = str(value).strip()
    return float(text) if text.isdigit() else float("nan")


def _within(name: str, value: float, least: float, most: float | None = None) -> float:
    """``value`` if it is a number from ``least`` to ``most``; ValueError naming it otherwise."""
    if value >= least and (most is None or value <= most):
        return value
    bounds = f"at least {least:g}" if most is None else f"{least:g} to {most:g}"
    shown = "not a whole number" if value != value else f"{value:g}"
    raise ValueError(f"{name}: {shown}; use {bounds}")
