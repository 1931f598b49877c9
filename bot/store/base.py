"""What every store answers (SQLite's and PostgreSQL's), and how it fails."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.analytics.reports import Report
    from bot.analytics.rollup import Stored
    from bot.handoff.conversation import Conversation, State, Verdict
    from bot.radar.alerts import Alert
    from bot.radar.windows import Asked, Key, Seen
    from bot.store.reading import Writes


class StorageUnavailable(Exception):
    """The database cannot be used now (unreachable, unreadable, not a database, or at a
    schema this code cannot use); the message names it and says why."""


@dataclass(frozen=True)
class Checked:
    """What doctor says of a database: usable or not, what was found, how to fix it."""

    ok: bool
    found: str
    fix: str = ""


class Store(Protocol):
    """The lookup log's database: SQLite (sqlite.py) or PostgreSQL (postgres.py), made by
    ``bot.store.open_store``. A store opened read-only never makes, migrates or writes a
    database; every method raises StorageUnavailable when the database cannot be used."""

    # The database works in a server process, not in this one's threads: the writer makes the
    # next rows ready while it writes (see LookupLog._write_all).
    WRITES_ELSEWHERE: bool
    # Why the last write (of any kind) failed; None once one works (/healthz's "writable").
    write_failure: str | None

    @property
    def spill_path(self) -> Path:
        """This process's file for rows a stop could not write."""

    @property
    def missing(self) -> bool:
        """A read-only store over a database not made yet: every read answers with nothing."""

    # Connecting and the schema.
    async def open(self) -> None:
        """Connect (and, unless read-only, migrate), if not connected already."""

    async def migrate(self) -> list[str]:
        """Apply the pending migrations; their names."""

    async def examine(self) -> Checked:
        """Whether this code can write the database, changing nothing (doctor)."""

    async def close(self) -> None:
        """Close every connection (a failure to close is no news)."""

    # The writer's.
    async def write(self, rows: Sequence[Stored]) -> None:
        """Insert lookups and votes and add them to the daily totals, in one transaction."""

    async def prune(self, first_day: int, first_at: float) -> int:
        """Delete every row from before ``first_day``; how many lookups went."""

    async def oldest_day(self) -> int | None:
        """The first day the daily totals hold (that of the oldest lookup); None when empty."""

    # Taught phrases.
    async def teach(self, phrase: str, provider: str, key: str, at: float) -> None:
        """Remember that ``phrase`` means that entry."""

    async def forget(self, phrase: str) -> int:
        """Forget what ``phrase`` was taught; how many entries it meant."""

    async def taught(self) -> list[tuple[str, str, str]]:
        """Every phrase taught with each entry it means (phrase, provider, key), oldest first."""

    async def taught_version(self) -> int:
        """A counter every change to the taught phrases moves (any process's)."""

    # The radar's state.
    async def radar_rows(self, start: float, end: float) -> list[Seen]:
        """The lookups in ``(start, end]`` as the radar counts them (not an alert's own)."""

    def radar_history(self, start: float, end: float) -> AsyncIterator[list[Seen]]:
        """The same lookups in time order, a batch at a time (a replay's days, read whole,
        would be held as rows)."""

    async def radar_queries(self, start: float, end: float) -> list[Asked]:
        """The same lookups with what was asked."""

    async def open_alerts(self, now: float) -> dict[Key, Alert]:
        """The alerts a pass carries on (open, or muted), one per key."""

    async def alerts_between(self, since: float, until: float) -> list[Alert]:
        """The alerts that started in ``[since, until)``, oldest first."""

    async def save_alerts(self, alerts: Iterable[Alert]) -> None:
        """Store ``alerts``, each replacing its row (a mute is never written back)."""

    async def mute(self, key: Key, until: float, now: float) -> Alert:
        """Mute ``key`` until ``until``: its open alert, or a row of its own if it has none."""

    # Leases: one process of several does a thing.
    async def take_lease(self, name: str, holder: str, ttl: float, now: float) -> bool:
        """Whether ``holder`` holds the lease ``name`` now: taken if free or expired, renewed
        if its own, for ``ttl`` seconds (``float('inf')``: for good, as a week's digest)."""

    async def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up: another holder takes it at once."""

    async def lease_holder(self, name: str) -> str | None:
        """Who holds the lease ``name`` (or held it last, if it ran out); None: no one."""

    # Handoff: conversations with the support team (bot/store/conversations.py says each).
    async def start_conversation(
        self,
        person_key: int | None,
        user_id: int,
        provider: str | None,
        entry_key: str | None,
        lang: str,
        now: float,
        hold: float,
    ) -> Conversation | None: ...
    async def live_conversation(self, user_id: int) -> Conversation | None: ...
    async def conversation(self, conversation_id: int) -> Conversation | None: ...
    async def topic_conversation(self, chat_id: int, topic_id: int) -> Conversation | None: ...
    async def last_topic(self, person_key: int, chat_id: int) -> int | None: ...
    async def waiting_conversations(self, before: float) -> list[Conversation]: ...
    async def claim_retry(self, conversation: Conversation, hold: float) -> bool: ...
    async def hold_try(self, conversation_id: int, hold: float) -> None: ...
    async def conversation_topic(
        self, conversation_id: int, chat_id: int, topic_id: int
    ) -> None: ...
    async def replace_topic(
        self, conversation_id: int, chat_id: int, gone: int, topic_id: int
    ) -> bool: ...
    async def conversation_posted(
        self, conversation_id: int, chat_id: int, topic_id: int, now: float
    ) -> None: ...
    async def topic_closed(self, conversation_id: int, closed: bool) -> None: ...
    async def conversation_kept(self, conversation_id: int, retry_at: float) -> None: ...
    async def conversation_replied(self, conversation_id: int, now: float) -> bool: ...
    async def conversation_active(self, conversation_id: int, now: float) -> None: ...
    async def idle_conversations(self, before: float) -> list[Conversation]: ...
    async def close_conversation(self, conversation_id: int, now: float) -> bool: ...
    async def close_idle_conversation(
        self, conversation_id: int, before: float, now: float
    ) -> bool: ...
    async def adopt_topics(self, chat_id: int) -> int: ...
    async def conversation_verdict(
        self, conversation_id: int, person_key: int, verdict: Verdict
    ) -> bool: ...
    async def live_counts(self) -> dict[State, int]: ...
    async def claim_relay(self, update_id: int, now: float) -> bool: ...
    async def release_relay(self, update_id: int) -> None: ...
    async def prune_relayed(self, before: float) -> int: ...
    async def recent_lookups(
        self, person_key: int, since: float, until: float, limit: int
    ) -> list[tuple[float, str, str, str | None, str | None]]: ...

    # Reports, each from one read-only snapshot.
    async def report(self, days: int, top: int, now: float | None = None) -> Report:
        """The report of the last ``days`` days, ``top`` rows in each list."""

    async def export_csv(self, days: int, out: Writes, now: float | None = None) -> None:
        """The lookups of the last ``days`` days as CSV text written to ``out`` a batch at a
        time (nothing before the database answers)."""


def unavailable(where: object, exc: BaseException) -> StorageUnavailable:
    """``exc`` (a database's, or the system's) as StorageUnavailable, in one line naming
    ``where``: an OSError by its reason alone ("Permission denied")."""
    if isinstance(exc, StorageUnavailable):
        return exc
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StorageUnavailable(f"{where}: {reason or type(exc).__name__}")
