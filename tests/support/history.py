"""Lookups for the radar's bot-level tests: a week of ordinary questions at this time of day,
and a wave on one entry, written through the real lookup log."""

from __future__ import annotations

import random

from bot.analytics.rollup import Lookup, LookupEntry
from bot.core.catalog import Catalog
from tests.support.lookups import lookup

HOUR, DAY = 3600.0, 86400.0


def entries_of(catalog: Catalog, count: int = 40) -> list[LookupEntry]:
    """The first few entries of every provider, as the log records them."""
    found = []
    for pc in catalog:
        for entry in pc.entries[: count // len(catalog)]:
            found.append(LookupEntry(pc.provider.slug, entry.key, entry.code, entry.title.en))
    return found


def week_before(
    catalog: Catalog, end: float, quiet: LookupEntry, per_hour: int = 20, seed: int = 1
) -> list[Lookup]:
    """For each of the 7 days before ``end`` (and the hours before it today), ``per_hour``
    people an hour from three hours before the same clock time to two hours after, asking about
    popular entries; ``quiet`` is asked by one person a day."""
    rng = random.Random(seed)
    others = [e for e in entries_of(catalog) if (e.provider, e.key) != (quiet.provider, quiet.key)]
    rows = []
    for day in range(8):
        then = end - day * DAY
        last = then + (2 * HOUR if day else 0.0)
        for _ in range(int(per_hour * (last - (then - 3 * HOUR)) / HOUR)):
            person = 100_000 + rng.randrange(2_000)
            rows.append(lookup(rng.uniform(then - 3 * HOUR, last), person, rng.choice(others)))
        if day:
            rows.append(lookup(then - rng.uniform(0, 2 * HOUR), 90_000 + day, quiet))
    return sorted(rows, key=lambda row: row.at)


def wave(
    entry: LookupEntry,
    start: float,
    people: int,
    first: int = 500_000,
    query: str = "",
    every: float = 30.0,
) -> list[Lookup]:
    """``people`` different people asking about ``entry`` from ``start``, ``every`` seconds
    apart."""
    text = query or f"{entry.provider} {entry.code}"
    return [lookup(start + every * n, first + n, entry, query=text) for n in range(people)]
