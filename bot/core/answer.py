"""What the resolver hands the renderer: an Answer, in no particular language or markup, and the
notes on how a question was read (one typed value per kind of note)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, NamedTuple

from bot.core.catalog import Entry, ProviderCatalog
from bot.core.query import Query


class Outcome(StrEnum):
    """How the resolver answered a question (the analytics count it as a ``LookupOutcome``:
    bot/telegram/replies.py maps one to the other)."""

    FOUND = "found"
    SEVERAL = "several"
    NOT_FOUND = "not_found"
    NOT_AN_ERROR = "not_an_error"
    PROVIDER = "provider"  # a provider's card
    HELP = "help"  # nothing in the text could be looked up


class Match(NamedTuple):
    """A catalog entry the answer shows (or offers)."""

    catalog: ProviderCatalog
    entry: Entry

    @property
    def slug(self) -> str:
        return self.catalog.provider.slug


class Missing(NamedTuple):
    """A code asked for that the provider (or every provider, when ``catalog`` is None) lacks."""

    code: str
    catalog: ProviderCatalog | None = None
    nearest: tuple[str, ...] = ()


# Notes: what the answer should say about how it read the question.


@dataclass(frozen=True, slots=True)
class Assumed:
    """A misspelt provider taken for a known one ("gosm" for GoSMS)."""

    kind: ClassVar[str] = "assumed"
    typed: str
    provider: str


@dataclass(frozen=True, slots=True)
class FromPayload:
    """A pasted API response recognised by where its code stands."""

    kind: ClassVar[str] = "payload"
    provider: str
    path: str
    value: str


@dataclass(frozen=True, slots=True)
class OnlyProvider:
    """A bare code that only one provider has."""

    kind: ClassVar[str] = "only_provider"
    code: str
    provider: str


@dataclass(frozen=True, slots=True)
class InRange:
    """A code answered by the row of a range ("89" by "88-89")."""

    kind: ClassVar[str] = "range"
    code: str
    row: str


@dataclass(frozen=True, slots=True)
class Dropped:
    """More codes than one answer takes: how many were left out."""

    kind: ClassVar[str] = "dropped"
    count: int


@dataclass(frozen=True, slots=True)
class UnknownProvider:
    """A name that looks like a provider no catalog has ("twilio")."""

    kind: ClassVar[str] = "unknown_provider"
    typed: str


Note = Assumed | FromPayload | OnlyProvider | InRange | Dropped | UnknownProvider


class Answer(NamedTuple):
    """Everything a reply needs, in no particular language or markup."""

    outcome: Outcome
    query: Query
    matches: tuple[Match, ...] = ()
    candidates: tuple[Match, ...] = ()
    missing: tuple[Missing, ...] = ()
    notes: tuple[Note, ...] = ()
    provider: ProviderCatalog | None = None  # the card, or the one a search was limited to
    searched: str = ""  # the words searched for, when a search answered
    known: tuple[str, ...] = ()  # every provider's name, for texts that list them

    @classmethod
    def showing(cls, match: Match, text: str = "") -> Answer:
        """An answer showing one entry in full (a button pressed, an inline result)."""
        outcome = Outcome.FOUND if match.entry.is_error else Outcome.NOT_AN_ERROR
        return cls(outcome, Query(text=text), matches=(match,))

    @property
    def confident(self) -> bool:
        """A named provider and code (or a pasted response) found: safe to answer unasked. An
        answer the word search gave is not, whatever numbers the question holds."""
        if self.outcome not in (Outcome.FOUND, Outcome.NOT_AN_ERROR) or self.searched:
            return False
        if any(isinstance(note, FromPayload) for note in self.notes):
            return True
        return bool(self.query.providers and self.query.codes) and not self.missing
