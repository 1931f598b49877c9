"""Interface strings in Russian and English (strings.yaml), and which language a person reads."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from bot.catalog import Lang
from bot.data import read_text

# Telegram language codes answered in Russian; every other language gets English.
RUSSIAN_READERS = frozenset({"ru", "uk", "be", "kk"})


def language_for(code: str | None) -> Lang:
    """The answer language for a Telegram ``language_code`` (``"uk"``, ``"en-US"``, None)."""
    if code and code.split("-")[0].lower() in RUSSIAN_READERS:
        return "ru"
    return "en"


@cache
def strings() -> dict[str, Any]:
    """Every interface string, loaded once."""
    text = read_text("bot", "strings.yaml")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def t(key: str, lang: Lang) -> str:
    """The raw string ``key`` in ``lang`` (placeholders unfilled)."""
    value = strings()[key]
    return value[lang] if isinstance(value, dict) else value
