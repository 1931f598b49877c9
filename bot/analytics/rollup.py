"""A batch of queued lookups and votes -> the rows the writer inserts (pure, no I/O)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.analytics.days import DAY_SECONDS
from bot.analytics.privacy import mask_query, user_key
from bot.text import gap_key

if TYPE_CHECKING:
    from bot.analytics.writer import Lookup

Day = int  # a UTC day number (days since 1970-01-01, see days.py)
EntryId = tuple[str, str]  # (provider, entry key)

_MEMO_LIMIT = 50_000  # pseudonyms and masked texts remembered; past that the memo starts afresh
_MEMO_TEXT_LIMIT = 256  # longer texts are masked every time rather than held in memory
_KNOWN_DAYS = 2  # days of (day, person) rows the collector remembers having written


@dataclass(frozen=True, slots=True)
class Vote:
    """A person's verdict on an answer, queued like a lookup."""

    at: float
    user_id: int
    provider: str
    key: str
    helpful: bool


@dataclass(slots=True)
class Batch:
    """Everything one write transaction inserts or adds to."""

    lookups: list[tuple[object, ...]] = field(default_factory=list)
    entries: dict[EntryId, tuple[str | None, str]] = field(default_factory=dict)
    outcomes: Counter[tuple[Day, str]] = field(default_factory=Counter)
    providers: Counter[tuple[Day, str]] = field(default_factory=Counter)
    shown: Counter[tuple[Day, str, str]] = field(default_factory=Counter)
    users: set[tuple[Day, int]] = field(default_factory=set)
    entry_users: set[tuple[Day, str, str, int]] = field(default_factory=set)
    gaps: Counter[tuple[Day, str]] = field(default_factory=Counter)
    votes: dict[tuple[int, str, str], tuple[int, float]] = field(default_factory=dict)
    skipped: int = 0


@dataclass(slots=True)
class Known:
    """What the database already holds, so that a batch does not insert it again.

    People look up several times a day, so after the first lookups of a day most (day, person)
    and (day, entry, person) rows exist already. Only the newest days are kept, and the writer
    forgets everything whenever it opens a file.
    """

    entries: dict[EntryId, tuple[str | None, str]] = field(default_factory=dict)
    users: set[tuple[Day, int]] = field(default_factory=set)
    entry_users: set[tuple[Day, str, str, int]] = field(default_factory=set)
    days: set[Day] = field(default_factory=set)

    def remember(self, batch: Batch) -> None:
        """Note what ``batch`` wrote, once its transaction has committed."""
        self.entries.update(batch.entries)
        self.users |= batch.users
        self.entry_users |= batch.entry_users
        self.days.update(day for day, _ in batch.users)
        if len(self.days) > _KNOWN_DAYS:
            self.days = set(sorted(self.days)[-_KNOWN_DAYS:])
            self.users = {row for row in self.users if row[0] in self.days}
            self.entry_users = {row for row in self.entry_users if row[0] in self.days}

    def forget_before(self, first_day: Day) -> None:
        """Forget the days that pruning has just deleted."""
        self.users = {row for row in self.users if row[0] >= first_day}
        self.entry_users = {row for row in self.entry_users if row[0] >= first_day}
        self.days = {day for day in self.days if day >= first_day}

    def clear(self) -> None:
        """Forget everything (another file, or one nobody can vouch for)."""
        self.entries.clear()
        self.users.clear()
        self.entry_users.clear()
        self.days.clear()


class Collector:
    """Turns queued lookups and votes into batches, remembering what it need not do twice.

    This runs for every lookup, so it is written for speed: plain dict memos for pseudonyms,
    masked texts and days (people ask the same things again and again), the loop only gathers
    keys, and the counting and the set differences run in C afterwards.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._people: dict[int, int] = {}
        self._masked: dict[str, str] = {}
        self.known = Known()

    def collect(self, items: Iterable[object], *, strict: bool = False) -> Batch:
        """The rows and daily totals for ``items`` (Lookup and Vote objects, oldest first).

        An item that cannot be read as a Lookup or a Vote is counted in ``skipped``. ``strict``
        also checks the type of every text field, which the database would otherwise refuse
        for the whole batch: the writer asks for it only when a batch was refused.
        """
        batch = Batch()
        rows = batch.lookups
        outcomes: list[tuple[Day, str]] = []
        providers: list[tuple[Day, str]] = []
        shown: list[tuple[Day, str, str]] = []
        users: set[tuple[Day, int]] = set()
        entry_users: set[tuple[Day, str, str, int]] = set()
        gaps: list[tuple[Day, str]] = []
        entries: dict[EntryId, tuple[str | None, str]] = {}
        people, masked = self._people, self._masked
        for item in items:
            if isinstance(item, Vote):
                self._add_vote(batch, item)
                continue
            # Everything that can fail comes before the first change to the batch.
            try:
                lookup: Lookup = item  # type: ignore[assignment]
                at, took_ms = float(lookup.at), float(lookup.took_ms)
                day = int(at // DAY_SECONDS)
                query = masked.get(lookup.query) or self._mask(lookup.query)
                user_id = lookup.user_id
                person = None if user_id is None else people.get(user_id)
                if person is None and user_id is not None:
                    person = self._person(user_id)
                shows = lookup.entries
                provider = lookup.provider or (shows[0].provider if shows else None)
                outcome = lookup.outcome
                if strict:
                    _check(lookup, provider)
            except (AttributeError, TypeError, ValueError, OverflowError):
                batch.skipped += 1
                continue
            # The first entry goes in the row's own columns when it is the provider's; the rest
            # as JSON.
            if shows and shows[0].provider == provider:
                first, others = shows[0], shows[1:]
                entry_key, code = first.key, first.code
            else:
                entry_key, code, others = None, None, shows
            rows.append(
                (
                    at,
                    lookup.channel,
                    lookup.chat_type,
                    person,
                    provider,
                    entry_key,
                    code,
                    outcome,
                    query,
                    took_ms,
                    len(shows),
                    json.dumps([[e.provider, e.key] for e in others]) if others else None,
                )
            )
            outcomes.append((day, outcome))
            if provider is not None:
                providers.append((day, provider))
            if person is not None:
                users.add((day, person))
            for entry in shows:
                slug, key = entry.provider, entry.key
                shown.append((day, slug, key))
                entries[slug, key] = (entry.code, entry.title)
                if person is not None:
                    entry_users.add((day, slug, key, person))
            if outcome == "not_found" and (gap := gap_key(query)):
                gaps.append((day, gap))
        known = self.known
        batch.outcomes, batch.providers = Counter(outcomes), Counter(providers)
        batch.shown, batch.gaps = Counter(shown), Counter(gaps)
        batch.users, batch.entry_users = users - known.users, entry_users - known.entry_users
        batch.entries = {e: seen for e, seen in entries.items() if known.entries.get(e) != seen}
        return batch

    def _mask(self, text: str) -> str:
        masked = mask_query(text)
        if len(text) <= _MEMO_TEXT_LIMIT:  # a pasted 4 KB response is rarely pasted twice
            if len(self._masked) >= _MEMO_LIMIT:
                self._masked.clear()
            self._masked[text] = masked
        return masked

    def _person(self, user_id: int) -> int:
        if type(user_id) is not int:
            raise TypeError("user_id must be an int or None")
        if len(self._people) >= _MEMO_LIMIT:
            self._people.clear()
        person = self._people[user_id] = user_key(self._secret, user_id)
        return person

    def _add_vote(self, batch: Batch, vote: Vote) -> None:
        try:
            if not isinstance(vote.provider, str) or not isinstance(vote.key, str):
                raise TypeError("a vote's provider and key must be text")
            person = self._people.get(vote.user_id)
            if person is None:
                person = self._person(vote.user_id)
            verdict = (int(bool(vote.helpful)), float(vote.at))
        except (TypeError, ValueError, OverflowError):
            batch.skipped += 1
            return
        # Later votes overwrite earlier ones in the batch; the UPSERT does the same across batches.
        batch.votes[person, vote.provider, vote.key] = verdict


def _check(lookup: Lookup, provider: object) -> None:
    """Raise TypeError unless every field the database needs as text is text."""
    texts = [lookup.channel, lookup.chat_type, lookup.outcome]
    texts += [value for entry in lookup.entries for value in (entry.provider, entry.key)]
    texts += [entry.title for entry in lookup.entries]
    optional = [provider, *(entry.code for entry in lookup.entries)]
    if not all(isinstance(text, str) for text in texts) or not all(
        text is None or isinstance(text, str) for text in optional
    ):
        raise TypeError("a text field of the lookup is not text")
