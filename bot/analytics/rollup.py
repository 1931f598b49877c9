"""What the bot hands the lookup log, what is stored of it, and what a batch adds to the daily
totals. Pure: no I/O, no clock.

A ``Lookup`` (or ``Vote``) carries the raw Telegram id and the question as typed; it lives only
in memory. ``stored`` turns it into a ``Row`` (or ``VoteRow``): the person pseudonymised, the
question masked, every field checked once, here, so the database never refuses a row. Rows are
what the writer holds while the database fails, and what it spills to a file at a stop it could
not finish.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.analytics.days import DAY_SECONDS
from bot.analytics.kinds import Channel, LookupOutcome
from bot.analytics.privacy import mask_query, user_key
from bot.core.text import gap_key

Day = int  # a UTC day number (days since 1970-01-01, see days.py)
EntryId = tuple[str, str]  # (provider, entry key)
# Bound once: an Enum's member is a slow attribute to read, and this is read per row.
NOT_FOUND = LookupOutcome.NOT_FOUND


@dataclass(frozen=True, slots=True)
class LookupEntry:
    """A catalog entry an answer showed in full."""

    provider: str  # provider slug, e.g. "gosms"
    key: str  # entry key within the provider: its code, else its symbolic name, else a slug
    code: str | None  # the code as the catalog writes it ("1004", "88-89"); None if codeless
    title: str  # the entry's English title (reports show it)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One question answered, as the bot hands it to the log."""

    at: float  # time.time() (UTC epoch seconds)
    channel: Channel
    chat_type: str  # private | group | supergroup | channel | sender | unknown
    user_id: int | None  # raw Telegram user id: never stored; the writer stores a keyed hash
    outcome: LookupOutcome
    query: str  # the raw text the person sent; the writer masks and cuts it
    took_ms: float  # how long the answer took
    entries: tuple[LookupEntry, ...] = ()  # entries the answer showed in full, first first
    provider: str | None = None  # provider named (or assumed), even when nothing was found


@dataclass(frozen=True, slots=True)
class Vote:
    """A person's verdict on an answer, queued like a lookup."""

    at: float
    user_id: int
    provider: str
    key: str
    helpful: bool


class Row(NamedTuple):
    """A lookup as stored (a tuple: rows are made by the hundred thousand)."""

    at: float
    channel: str  # a Channel's value
    chat_type: str
    person: int | None  # the pseudonym (privacy.user_key), never the Telegram id
    provider: str | None  # named or assumed, else the first entry's
    entries: tuple[tuple[str, str, str | None, str], ...]  # (provider, key, code, title)
    outcome: str  # a LookupOutcome's value
    query: str  # masked, at most 200 characters
    took_ms: float

    @property
    def day(self) -> Day:
        return int(self.at // DAY_SECONDS)


class VoteRow(NamedTuple):
    """A vote as stored."""

    at: float
    person: int
    provider: str
    key: str
    helpful: bool


Stored = Row | VoteRow


class Malformed(ValueError):
    """A queued item that cannot be stored: ``field`` names what is wrong with it."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is not what it should be")
        self.field = field


def stored(item: object, secret: bytes | None) -> Stored:
    """What is stored of a queued Lookup or Vote; Malformed names the field that is wrong.
    Without a key (``secret`` None: the one the database keeps was never read) a lookup is kept
    with no person, and a vote, which is nothing without its person, is Malformed."""
    if isinstance(item, Vote):
        _check("provider", type(item.provider) is str)
        _check("key", type(item.key) is str)
        if secret is None:
            raise Malformed("user_id (no analytics key to pseudonymise it)")
        person = _person(secret, item.user_id)
        return VoteRow(_float("at", item.at), person, item.provider, item.key, bool(item.helpful))
    if not isinstance(item, Lookup):
        raise Malformed("item (neither a Lookup nor a Vote)")
    try:
        entries = tuple((e.provider, e.key, e.code, e.title) for e in item.entries)
    except (AttributeError, TypeError):
        raise Malformed("entries") from None
    for slug, key, code, title in entries:
        _check("entries", type(slug) is str and type(key) is str and type(title) is str)
        _check("entries", code is None or type(code) is str)
    for name in ("chat_type", "query"):
        _check(name, type(getattr(item, name)) is str)
    # A StrEnum (Channel, LookupOutcome) or its text: kept as plain text, as the database holds it.
    for name in ("channel", "outcome"):
        _check(name, isinstance(getattr(item, name), str))
    provider = item.provider or (entries[0][0] if entries else None)
    _check("provider", provider is None or type(provider) is str)
    return Row(
        at=_float("at", item.at),
        channel=str(item.channel),
        chat_type=item.chat_type,
        person=None if item.user_id is None or secret is None else _person(secret, item.user_id),
        provider=provider,
        entries=entries,
        outcome=str(item.outcome),
        query=mask_query(item.query),
        took_ms=_float("took_ms", item.took_ms),
    )


def stored_rows(items: Iterable[object], secret: bytes | None) -> tuple[list[Stored], Counter[str]]:
    """What is stored of ``items``, and how many were dropped as malformed, by field."""
    rows: list[Stored] = []
    wrong: Counter[str] = Counter()
    for item in items:
        try:
            rows.append(stored(item, secret))
        except Malformed as exc:
            wrong[exc.field] += 1
    return rows, wrong


def _check(field: str, ok: bool) -> None:
    if not ok:
        raise Malformed(field)


def _float(field: str, value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise Malformed(field) from None


def _person(secret: bytes, user_id: object) -> int:
    _check("user_id", type(user_id) is int)
    try:
        return user_key(secret, user_id)  # type: ignore[arg-type]
    except ValueError:  # more digits than int-to-str converts
        raise Malformed("user_id") from None


def to_json(row: Stored) -> str:
    """One line of a spill file."""
    return json.dumps([type(row).__name__, *row], ensure_ascii=False)


def from_json(line: str) -> Stored:
    """A row back from a line of a spill file (ValueError if it is not one)."""
    kind, *values = json.loads(line)
    if kind == "Row":
        at, channel, chat_type, person, provider, entries, outcome, query, took_ms = values
        shown = tuple((p, k, c, t) for p, k, c, t in entries)
        return Row(at, channel, chat_type, person, provider, shown, outcome, query, took_ms)
    if kind == "VoteRow":
        return VoteRow(*values)
    raise ValueError(f"not a stored row: {kind!r}")


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


def roll_up(rows: Iterable[Stored]) -> Batch:
    """The inserts and the additions to the daily totals for ``rows`` (oldest first)."""
    batch = Batch()
    for row in rows:
        if isinstance(row, VoteRow):
            # Later votes overwrite earlier ones; the UPSERT does the same across batches.
            batch.votes[row.person, row.provider, row.key] = (int(row.helpful), row.at)
            continue
        day, person, shows = row.day, row.person, row.entries
        # The first entry goes in the row's own columns when it is the provider's; the rest
        # as JSON.
        if shows and shows[0][0] == row.provider:
            (_, entry_key, code, _), others = shows[0], shows[1:]
        else:
            entry_key, code, others = None, None, shows
        batch.lookups.append(
            (
                row.at, row.channel, row.chat_type, person, row.provider, entry_key, code,
                row.outcome, row.query, row.took_ms, len(shows),
                json.dumps([[p, k] for p, k, _, _ in others]) if others else None,
            )
        )  # fmt: skip
        batch.outcomes[day, row.outcome] += 1
        if row.provider is not None:
            batch.providers[day, row.provider] += 1
        if person is not None:
            batch.users.add((day, person))
        for slug, key, code, title in shows:
            batch.shown[day, slug, key] += 1
            batch.entries[slug, key] = (code, title)
            if person is not None:
                batch.entry_users.add((day, slug, key, person))
        if row.outcome == NOT_FOUND and (gap := gap_key(row.query)):
            batch.gaps[day, gap] += 1
    return batch
