"""Catalog files: YAML -> validated provider catalogs, every problem named as ``file:line``."""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.core.i18n import Lang
from bot.core.text import slug

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"]+$")]
JsonPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$")]
Code = Annotated[str, StringConstraints(pattern=r"^\d{1,9}(-\d{1,9})?$")]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
ASKED_LENGTH = 200  # a phrasing is a sentence someone would type, not a paragraph
Phrasing = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ASKED_LENGTH)
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A piece of text a person reads, in Russian, English and Ukrainian."""

    ru: NonEmpty
    en: NonEmpty
    uk: NonEmpty

    def get(self, lang: Lang) -> str:
        """The text in ``lang``."""
        return self.ru if lang == "ru" else self.en if lang == "en" else self.uk


class Asked(_Model):
    """How people describe an entry's situation in their own words, per language: the search
    reads them, nobody is shown them."""

    ru: tuple[Phrasing, ...] = ()
    en: tuple[Phrasing, ...] = ()
    uk: tuple[Phrasing, ...] = ()

    def phrasings(self) -> tuple[str, ...]:
        """Every phrasing, in Russian, English and Ukrainian."""
        return (*self.ru, *self.en, *self.uk)


class Link(_Model):
    """A titled link to the provider's documentation."""

    title: NonEmpty
    url: Url


class Provider(_Model):
    """Who the provider is and how people and its API name it."""

    slug: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    name: NonEmpty
    about: Text
    aliases: tuple[NonEmpty, ...] = ()
    # Other companies with a similar name: never taken for this provider.
    not_aliases: tuple[NonEmpty, ...] = ()
    docs_url: Url | None = None  # only an address the provider's own pages give
    error_paths: tuple[JsonPath, ...] = ()
    name_paths: tuple[JsonPath, ...] = ()


class Entry(_Model):
    """One error (or non-error status) of a provider."""

    code: Code | None = None
    name: Name | None = None
    # Other spellings of ``name`` people type (the provider's own typo corrected, say).
    aliases: tuple[Name, ...] = ()
    section: Text | None = None
    title: Text
    description: Text
    steps: tuple[Text, ...] = Field(min_length=1)
    original: NonEmpty
    links: tuple[Link, ...] = ()
    severity: Literal["error", "warning", "info"] = "error"
    asked: Asked | None = None

    @property
    def key(self) -> str:
        """What identifies the entry within its provider: code, name or section/original."""
        if self.code is not None:
            return self.code
        if self.name is not None:
            return self.name
        section = slug(self.section.en) if self.section else ""
        return f"{section}/{slug(self.original)}"

    @property
    def bounds(self) -> tuple[int, int] | None:
        """The code as a numeric range (a single code is a range of one)."""
        if self.code is None:
            return None
        low, _, high = self.code.partition("-")
        return int(low), int(high or low)

    @property
    def is_error(self) -> bool:
        """False for statuses the API reports that are not failures (Mobizon 0, 100)."""
        return self.severity != "info"


class CatalogFile(_Model):
    """The content of one ``catalogs/<slug>.yaml``."""

    provider: Provider
    errors: tuple[Entry, ...] = Field(min_length=1)


@dataclass(frozen=True)
class ProviderCatalog:
    """One provider with its entries, indexed for lookups by code and name."""

    provider: Provider
    entries: tuple[Entry, ...]
    by_code: dict[str, Entry] = field(repr=False)
    by_name: dict[str, Entry] = field(repr=False)
    ranges: tuple[tuple[int, int, Entry], ...] = field(repr=False)
    numbers: tuple[int, ...] = field(repr=False)  # every single code, sorted

    @classmethod
    def build(cls, data: CatalogFile) -> ProviderCatalog:
        """Index a validated catalog file."""
        by_code: dict[str, Entry] = {}
        by_name: dict[str, Entry] = {}
        ranges = []
        for entry in data.errors:
            bounds = entry.bounds
            if bounds and bounds[0] != bounds[1]:
                ranges.append((*bounds, entry))
            elif bounds:
                by_code[str(bounds[0])] = entry
            for name in (entry.name, *entry.aliases):
                if name:
                    by_name[name] = entry
        return cls(
            provider=data.provider,
            entries=data.errors,
            by_code=by_code,
            by_name=by_name,
            ranges=tuple(ranges),
            numbers=tuple(sorted(int(code) for code in by_code)),
        )

    def find(self, code: str) -> Entry | None:
        """The entry for a code as the parser gives it: digits without leading zeros, a range
        typed as is ("88-89", else its first code), or a negative number (never found)."""
        entry = self.by_code.get(code)
        if entry is not None or code.startswith("-") or len(code) > 19:
            return entry
        if not code.isdigit():
            exact = next((e for _, _, e in self.ranges if e.code == code), None)
            return exact or self.find(code.split("-")[0])
        number = int(code)
        return next((e for low, high, e in self.ranges if low <= number <= high), None)

    def nearest(self, code: str, count: int = 5) -> tuple[str, ...]:
        """The provider's codes closest to ``code``, nearest first."""
        first = code.lstrip("-").split("-")[0]
        number = int(first) if first.isdigit() and len(first) < 18 else 10**18
        at = bisect_left(self.numbers, number)
        window = self.numbers[max(0, at - count) : at + count]
        return tuple(str(n) for n in sorted(window, key=lambda n: (abs(n - number), n))[:count])

    def sections(self) -> list[tuple[Text | None, int]]:
        """Sections in catalog order with how many entries each holds."""
        counts: dict[Text | None, int] = {}
        for entry in self.entries:
            counts[entry.section] = counts.get(entry.section, 0) + 1
        return list(counts.items())


class Catalog:
    """Every provider's catalog, with the cross-provider indexes the lookups need."""

    def __init__(self, providers: Iterable[ProviderCatalog]) -> None:
        self.providers: dict[str, ProviderCatalog] = {p.provider.slug: p for p in providers}
        self.by_name: dict[str, list[tuple[ProviderCatalog, Entry]]] = {}
        self.by_ref: dict[str, tuple[ProviderCatalog, Entry]] = {}
        for pc in self.providers.values():
            for name, entry in pc.by_name.items():
                self.by_name.setdefault(name, []).append((pc, entry))
            for entry in pc.entries:
                self.by_ref[entry_ref(pc.provider.slug, entry.key)] = (pc, entry)

    def __iter__(self) -> Iterator[ProviderCatalog]:
        return iter(self.providers.values())

    def __len__(self) -> int:
        return len(self.providers)

    def with_code(self, code: str) -> list[tuple[ProviderCatalog, Entry]]:
        """Every provider that has ``code``, in catalog order."""
        found = []
        for pc in self.providers.values():
            entry = pc.find(code)
            if entry is not None:
                found.append((pc, entry))
        return found

    def entry_count(self) -> int:
        """How many entries all catalogs hold."""
        return sum(len(pc.entries) for pc in self.providers.values())


def entry_ref(slug: str, key: str) -> str:
    """A short stable reference to an entry, small enough for callback data."""
    return hashlib.blake2s(f"{slug}/{key}".encode(), digest_size=5).hexdigest()
