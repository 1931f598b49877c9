"""Single settings read quickly, for the commands that do not run the bot."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULTS = {
    "CATALOGS_DIR": "catalogs",
    "DATABASE_PATH": "data/bot.sqlite3",
    "ANALYTICS_RETENTION_DAYS": "365",
}


def setting(name: str) -> str:
    """One setting from the environment or ``.env``, else its default.

    lookup, check, stats, export and migrate must start in a fraction of a second, and importing
    pydantic-settings alone takes about 0.2 s here; the running bot reads ``bot.config``.
    """
    if name in os.environ:
        return os.environ[name]
    env_file = Path(".env")
    if env_file.is_file():
        from dotenv import dotenv_values

        value = dotenv_values(env_file).get(name)
        if value:
            return value
    return DEFAULTS[name]
