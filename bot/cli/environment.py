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
