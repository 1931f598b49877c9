"""What a radar pass reads, worked out without reading it: the stretches of time it counts, and
the phrasings its alerts show, from the rows the store hands back."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from bot.radar.settings import RadarSettings
from bot.radar.windows import DAY_SECONDS, Asked, Key, Seen, keys_of


def spans(end: float, settings: RadarSettings) -> list[tuple[float, float]]:
    """The stretches of time a pass at ``end`` reads: its window, and on each previous day the
    same clock time, ``baseline_reach`` either side (see windows.baseline_ends)."""
    reach = settings.baseline_reach // settings.window * settings.window
    read = [(end - settings.window, end)]
    for day in range(1, settings.baseline_days + 1):
        then = end - day * DAY_SECONDS
        read.append((then - reach - settings.window, then + reach))
    return read


def phrasings(
    asked: Iterable[Asked], keys: Iterable[Key], top: int = 3
) -> dict[Key, list[tuple[str, int]]]:
    """The questions most people asked about each of ``keys`` (as the window's rows say),
    with how many people asked each."""
    wanted = set(keys)
    by_key: dict[Key, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for person, provider, entry, outcome, query in asked:
        row = Seen(0.0, person, provider, entry, outcome)
        for key in keys_of(row):
            if key in wanted and person is not None:
                by_key[key][" ".join(query.split()).casefold()].add(person)
    return {
        key: Counter({query: len(people) for query, people in by_key[key].items()}).most_common(top)
        for key in wanted
    }
