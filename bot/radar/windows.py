"""What the radar counts: distinct people per key in a time window, from the lookup log's rows.

Pure: no I/O, no clock. ``Timeline`` counts windows from rows in memory: the bot's over the
rows one pass reads from the database, the replay's over all the history it replays.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Mapping, MutableSequence
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from bot.analytics.kinds import LookupOutcome

DAY_SECONDS = 86400.0
# Bound once: an Enum's member is a slow attribute to read, and this is read per row.
NOT_FOUND = LookupOutcome.NOT_FOUND


class Key(NamedTuple):
    """What the radar watches: one catalog entry, a provider as a whole, or the unanswered."""

    kind: str  # entry | provider | unanswered
    provider: str  # provider slug; "" for unanswered
    entry: str  # entry key within the provider; "" unless kind is entry


UNANSWERED = Key("unanswered", "", "")


def entry_key(provider: str, entry: str) -> Key:
    """The key of one catalog entry."""
    return Key("entry", provider, entry)


def provider_key(provider: str) -> Key:
    """The key of a provider as a whole: people who asked about any of its errors."""
    return Key("provider", provider, "")


class Seen(NamedTuple):
    """One stored lookup, as the radar reads it."""

    at: float  # epoch seconds, UTC
    person: int | None  # the pseudonymous person key; None counts for nothing
    provider: str | None  # provider named or assumed, even when nothing was found
    entry: str | None  # the entry shown first, if any
    outcome: str  # a LookupOutcome's value, as stored


class Asked(NamedTuple):
    """One stored lookup with what was asked (masked when it was stored)."""

    person: int | None
    provider: str | None
    entry: str | None
    outcome: str
    query: str


@dataclass(frozen=True, slots=True)
class Window:
    """Distinct people per key in ``(start, end]``, and distinct people with any lookup."""

    start: float
    end: float
    people: Mapping[Key, int]
    total: int  # every person with a lookup in the window, whatever its key (or none)


def keys_of(row: Seen) -> tuple[Key, ...]:
    """The keys one lookup counts for."""
    # An unanswered question counts as unanswered only, even when it names a provider: a wave
    # of a code no catalog knows is one alert (its phrasings show the provider), not two.
    if row.outcome == NOT_FOUND:
        return (UNANSWERED,)
    if not row.provider:
        return ()
    if row.entry:
        return provider_key(row.provider), entry_key(row.provider, row.entry)
    return (provider_key(row.provider),)


class Timeline:
    """Rows sorted once by time and counted per window by bisection; recent windows are kept,
    because each pass's baseline windows are earlier passes' current windows.

    Held as columns, not as rows: a replay holds every lookup of its days and their history
    (a tuple, a float and three strings a row put 515 MB on a replay of a million lookups).
    The keys are a list of one tuple per kind of row, shared; the people a list of the rows'
    own ints, ``compact`` one int per person (36 bytes a row otherwise, each row read from
    the database or a CSV bringing its own); the times a list, or ``compact`` an array of
    doubles: 8 bytes a row instead of 32, for a replay's million rows, where the live pass's
    few thousand count some 5% faster from a list (bisect reads it directly)."""

    def __init__(self, rows: Iterable[Seen] = (), *, compact: bool = False) -> None:
        self._times: MutableSequence[float] = array("d") if compact else []
        self._people: list[int | None] = []
        self._persons: dict[int | None, int | None] | None = (
            {} if compact else None
        )  # (one int per person)
        # Each row is read by every window that covers it: work its keys out once.
        self._keys: list[tuple[Key, ...]] = []
        # Made once per kind of row, not per row: most of a pass's time went to new Keys.
        self._kinds: dict[tuple[bool, str | None, str | None], tuple[Key, ...]] = {}
        self._kept: dict[tuple[float, float], Window] = {}
        self._keep_at_most = 4096
        self._unsorted = False  # a batch reached back: sorted when next read, once
        self.add(rows)

    def add(self, rows: Iterable[Seen]) -> None:
        """Count ``rows`` too: a replay adds them a batch at a time, each batch held as rows
        only while it is added. Batches in time order are appended; one reaching back before
        rows already added has them all sorted again when they are next read (once for all
        such batches: sorted at each, a CSV in reverse order took the replay quadratic time,
        an attack)."""
        counted = sorted((row for row in rows if row.person is not None), key=attrgetter("at"))
        if not counted:
            return
        times, people, keys, kinds = self._times, self._people, self._keys, self._kinds
        ordered = not times or times[-1] <= counted[0].at
        times.extend([row.at for row in counted])
        if self._persons is None:
            people.extend([row.person for row in counted])
        else:
            persons = self._persons
            people.extend([persons.setdefault(row.person, row.person) for row in counted])
        for row in counted:
            kind = (row.outcome == NOT_FOUND, row.provider, row.entry)
            counts = kinds.get(kind)
            if counts is None:
                counts = kinds[kind] = keys_of(row)
            keys.append(counts)
        self._unsorted = self._unsorted or not ordered
        self._kept.clear()  # counted without these rows

    def _sort(self) -> None:
        """The rows in time order; stable: rows at the same time keep their order."""
        times, people, keys = self._times, self._people, self._keys
        order = sorted(range(len(times)), key=times.__getitem__)
        times[:] = array("d", [times[index] for index in order])  # a list's too
        people[:] = [people[index] for index in order]
        keys[:] = [keys[index] for index in order]
        self._unsorted = False

    def window(self, start: float, end: float) -> Window:
        """Distinct people per key with a lookup in ``(start, end]``."""
        # Rounded: a replay's tick minus whole days must find the window an earlier tick made.
        name = (round(start, 3), round(end, 3))
        kept = self._kept.get(name)
        if kept is not None:
            return kept
        if self._unsorted:
            self._sort()
        first, last = bisect_right(self._times, start), bisect_right(self._times, end)
        everyone: set[int | None] = set()
        people: dict[Key, set[int | None]] = {}
        for person, keys in zip(self._people[first:last], self._keys[first:last], strict=True):
            everyone.add(person)
            for key in keys:
                people.setdefault(key, set()).add(person)
        counted = Window(start, end, {key: len(who) for key, who in people.items()}, len(everyone))
        self._kept[name] = counted
        return counted

    def first_after(self, at: float) -> float | None:
        """The time of the first counted lookup after ``at``; None if there is none."""
        if self._unsorted:
            self._sort()
        index = bisect_right(self._times, at)
        return self._times[index] if index < len(self._times) else None

    def windows_for(
        self, end: float, window: float, baseline_days: int, reach: float = 7200.0
    ) -> tuple[Window, list[Window]]:
        """The window ending at ``end`` and its baselines (see ``baseline_ends``)."""
        current = self.window(end - window, end)
        ends = baseline_ends(end, window, baseline_days, reach)
        baselines = [self.window(then - window, then) for then in ends]
        self._forget_before(min(ends, default=end) - window)
        return current, baselines

    def _forget_before(self, end: float) -> None:
        """Drop kept windows that end before ``end`` once there are many (no later pass reads
        them when passes move forward in time)."""
        if len(self._kept) <= self._keep_at_most:
            return
        self._kept = {name: kept for name, kept in self._kept.items() if kept.end >= end}
        # Twice what is still needed: the sweep runs once per as many passes, not every pass.
        self._keep_at_most = max(self._keep_at_most, 2 * len(self._kept))


def baseline_ends(end: float, window: float, baseline_days: int, reach: float) -> list[float]:
    """Where the baseline windows end: at the same clock time on each previous day, and
    whole windows either side of it up to ``reach`` seconds away."""
    steps = int(reach // window) if window > 0 else 0
    return [
        end - day * DAY_SECONDS + step * window
        for day in range(1, baseline_days + 1)
        for step in range(-steps, steps + 1)
    ]


def windows_for(
    rows: Iterable[Seen], end: float, window: float, baseline_days: int, reach: float = 7200.0
) -> tuple[Window, list[Window]]:
    """The current window and its baselines from raw rows (sorts them: for many passes over
    the same rows, make one ``Timeline`` and call its ``windows_for``)."""
    return Timeline(rows).windows_for(end, window, baseline_days, reach)
