"""How a setting's text is read, and what is wrong with it in words that never repeat it:
durations, time zones, a bot token's shape, lists of ids."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SECRET_MIN = 20  # characters of a token's secret part we accept; @BotFather's have 35
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(value: Any) -> Any:
    """A duration in seconds: ``300``, ``0.5``, or with a unit: ``500ms``, ``30s``, ``5m``."""
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


def token_problem(token: str) -> str | None:
    """What is wrong with a bot token, in words that never repeat it; None if it looks right.

    A token is the bot's numeric id, a colon and a secret of letters, digits, ``_`` and ``-``
    (``123456789:AAH...``, the secret 35 characters long).
    """
    if not token:
        return "is empty: put the token @BotFather gave you in BOT_TOKEN (or in .env)"
    if any(char.isspace() for char in token):
        return "has a space or a line break inside: paste the token as one piece"
    if token[:3].lower() == "bot" and ":" in token:
        return "starts with 'bot': leave that out (it belongs to the API's URL, not the token)"
    if token.count(":") != 1:
        return (
            "has no colon: a token is the bot's id (digits), a colon, then the secret part"
            if ":" not in token
            else "has more than one colon: a token has exactly one, after the bot's id"
        )
    bot_id, secret = token.split(":")
    if not bot_id:
        return "has nothing before the colon, where the bot's id (digits) belongs"
    if not (bot_id.isascii() and bot_id.isdigit()):
        return "has something other than digits before the colon, where the bot's id belongs"
    if len(bot_id) > 20:
        return "has a bot id of more than 20 digits before the colon"
    if not re.fullmatch(r"[A-Za-z0-9_-]*", secret):
        return "has a character other than letters, digits, _ and - after the colon"
    if len(secret) < SECRET_MIN:
        return (
            f"has a secret part of only {len(secret)} characters after the colon (@BotFather's "
            "are 35): copy the whole token"
        )
    return None


def id_problem(part: str) -> str:
    """What is wrong with one of ADMIN_IDS' parts."""
    if not part:
        return "an empty id between two commas; separate ids with single commas, e.g. 7,77"
    if any(char.isspace() for char in part):
        return "ids are separated only by commas, e.g. 7,77 (a space is not a separator)"
    return "each id is a Telegram user id, digits only, and ids are separated by commas"
