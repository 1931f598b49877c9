"""Single settings read quickly, for the commands that do not run the bot."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULTS = {
    "CATALOGS_DIR": "",  # empty: the catalogs installed with the package
    "DATABASE_PATH": "data/bot.sqlite3",
    "DATABASE_URL": "",  # empty: SQLite at DATABASE_PATH
    "REDIS_URL": "",
    "ANALYTICS_RETENTION_DAYS": "365",
}


def setting(name: str) -> str:
    """One setting from the environment or ``.env``, else its default; an empty value means
    "not set", as it does for the running bot (``bot.config``).

    lookup, check, stats, export and migrate must start in a fraction of a second: importing
    pydantic-settings adds 0.3 s here, half of what `lookup` takes as a whole (0.6 s). The
    running bot reads ``bot.config``.
    """
    value = os.environ.get(name)
    if value is None:
        env_file = Path(".env")
        if env_file.is_file():
            from dotenv import dotenv_values

            value = dotenv_values(env_file).get(name)
    return value.strip() if value and value.strip() else DEFAULTS[name]


def catalogs_dir() -> Path:
    """CATALOGS_DIR, else the catalogs installed with the package."""
    from bot.data import packaged

    folder = setting("CATALOGS_DIR")
    return Path(folder) if folder else packaged("bot.catalogs")
