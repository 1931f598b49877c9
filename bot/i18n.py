"""Interface strings in Russian, English and Ukrainian (strings.yaml), and which language a
person reads."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

import yaml

from bot.data import read_text

Lang = Literal["ru", "en", "uk"]

LANGUAGES: tuple[Lang, ...] = ("ru", "en", "uk")
# Telegram language codes answered in Russian (Belarusian and Kazakh readers read Russian more
# often than English); Ukrainian readers get Ukrainian; everyone else English.
RUSSIAN_READERS = frozenset({"ru", "be", "kk"})


def language_for(code: str | None) -> Lang:
    """The answer language for a Telegram ``language_code`` (``"uk"``, ``"en-US"``, None)."""
    base = code.split("-")[0].lower() if code else ""
    if base == "uk":
        return "uk"
    return "ru" if base in RUSSIAN_READERS else "en"


@cache
def strings() -> dict[str, Any]:
    """Every interface string, loaded once."""
    loaded: dict[str, Any] = yaml.load(
        read_text("bot", "strings.yaml"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    return loaded


def t(key: str, lang: Lang) -> str:
    """The raw string ``key`` in ``lang`` (placeholders unfilled)."""
    value = strings()[key]
    text = value[lang] if isinstance(value, dict) else value
    if not isinstance(text, str):
        raise TypeError(f"strings.yaml: {key} is not a text")
    return text


def t_list(key: str) -> list[Any]:
    """A list in strings.yaml (help_forms, start_examples), as written there."""
    value = strings()[key]
    if not isinstance(value, list):
        raise TypeError(f"strings.yaml: {key} is not a list")
    return value
