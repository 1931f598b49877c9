"""Single settings read quickly, for the commands that do not run the bot."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULTS = {
    "CATALOGS_DIR": "",  # empty: the catalogs installed with the package
    "DATABASE_PATH": "data/bot.sqlite3",
    "DATABASE_URL": "",  # empty: SQLite at DATABASE_PATH
    "REDIS_URL": "",
    "ANALYTICS_RETENTION_DAYS": "365",
    "TEAM_LANG": "en",  # the language of alerts and digests
    "TZ": "UTC",
    "RADAR_INTERVAL": "5m",
    "RADAR_WINDOW": "30m",
    "RADAR_BASELINE_DAYS": "7",
    "RADAR_MIN_PEOPLE": "5",
}
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def setting(name: str) -> str:
    """One setting from the environment or ``.env``, else its default; an empty value means
    "not set", as it does for the running bot (``bot.config``).

    lookup, check, stats, export and migrate must start in a fraction of a second, which is why
    they read these without pydantic-settings (bench/bench_core.py times `lookup`'s start).
    The running bot reads ``bot.config``.
    """
    value = os.environ.get(name)
    if value is None:
        env_file = Path(".env")
        if env_file.is_file():
            from dotenv import dotenv_values

            value = dotenv_values(env_file).get(name)
    return value.strip() if value and value.strip() else DEFAULTS[name]


def seconds(value: Any) -> Any:
    """A duration in seconds: ``300``, ``0.5``, or with a unit: ``500ms``, ``30s``, ``5m``
    (here, not in bot.config, so that the quick commands read durations without pydantic)."""
    if not isinstance(value, str):
        return value
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*", value.lower())
    if match is None:
        raise ValueError("a duration is a number of seconds, or one with a unit: 30s, 5m, 1h")
    return float(match[1]) * _UNITS[match[2] or "s"]


def time_zone(value: str) -> ZoneInfo:
    """TZ as a zone: ``Europe/Kyiv``, or as POSIX writes it, ``:Europe/Kyiv`` or a zone file
    (``:/etc/localtime``, as some containers set it); ValueError for anything else."""
    name = value.strip().removeprefix(":") or "UTC"
    try:
        if name.startswith("/"):
            with open(name, "rb") as file:
                return ZoneInfo.from_file(file, key=name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("a time zone name, e.g. Europe/Kyiv or UTC") from None


def catalogs_dir() -> Path:
    """CATALOGS_DIR, else the catalogs installed with the package."""
    from bot.data import packaged

    folder = setting("CATALOGS_DIR")
    return Path(folder) if folder else packaged("bot.catalogs")
