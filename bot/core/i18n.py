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
    """The answer language for a Telegram ``language_code`` (``"uk"``, ``"en-US"``, None; a
    locale's ``"ru_RU"`` too: it was English, found by an attack)."""
    base = code.replace("_", "-").split("-")[0].lower() if code else ""
    if base == "uk":
        return "uk"
    return "ru" if base in RUSSIAN_READERS else "en"


@cache
def strings() -> dict[str, Any]:
    """Every interface string, loaded once."""
    loaded: dict[str, Any] = yaml.load(
        read_text("bot.core", "strings.yaml"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    return loaded


def t(key: str, lang: Lang) -> str:
    """The raw string ``key`` in ``lang`` (placeholders unfilled)."""
    value = strings()[key]
    text = value[lang] if isinstance(value, dict) else value
    if not isinstance(text, str):
        raise TypeError(f"strings.yaml: {key} is not a text")
    return text


def plural(n: int, lang: Lang) -> str:
    """The plural category of a whole number (CLDR's rules for integers): Russian and Ukrainian
    one (1, 21, 101), few (2-4, 22-24) or many (0, 5-20, 25...); English one or other."""
    if lang == "en":
        return "one" if n == 1 else "other"
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return "one"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "few"
    return "many"


def tn(key: str, lang: Lang, n: int) -> str:
    """The raw string ``key`` in ``lang`` in the form the number ``n`` asks for: a counted
    string gives a form per plural category; a plain one serves every number."""
    value = strings()[key][lang]
    text = value.get(plural(n, lang)) if isinstance(value, dict) else value
    if not isinstance(text, str):
        raise TypeError(f"strings.yaml: {key} has no {lang} form for {n}")
    return text


def counted(key: str, lang: Lang, n: int, **fields: object) -> str:
    """The counted string ``key`` for ``n``, filled: ``{n}`` is the number, ``fields`` the rest
    (``counted("n_errors", "ru", 92)`` is "92 ошибки")."""
    return tn(key, lang, n).format(n=n, **fields)


def t_list(key: str) -> list[Any]:
    """A list in strings.yaml (help_forms, start_examples), as written there."""
    value = strings()[key]
    if not isinstance(value, list):
        raise TypeError(f"strings.yaml: {key} is not a list")
    return value
