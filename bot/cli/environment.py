"""The settings as a command reads them (bot/settings/): once per process, without requiring
BOT_TOKEN; a wrong one stops the command with one line naming it (bot.cli.main says it)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


@cache
def settings() -> Settings:
    """The environment's and ``.env``'s settings; SettingsError names each problem."""
    from bot.settings import load_settings

    return load_settings(require_token=False)


# What a command that reads only the catalogs (check, lookup, sources) needs of the settings.
_CATALOG_SETTINGS = ("CATALOGS_DIR", "TEAM_NOTES", "not UTF-8")


@cache
def catalog_settings() -> Settings:
    """The settings for a command that reads only the catalogs: a problem with another one (a
    garbled BOT_TOKEN, LOG_LEVEL=verbose) does not stop it, one with CATALOGS_DIR or TEAM_NOTES
    (or a .env it cannot read) does (an attack found `check DIR` refused over a token)."""
    from bot.settings import SettingsError, settings_despite_problems

    found, problems = settings_despite_problems(said=True)
    mine = [line for line in problems if any(name in line for name in _CATALOG_SETTINGS)]
    if mine:
        raise SettingsError(mine)
    return found
