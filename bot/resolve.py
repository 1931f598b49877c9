"""What was asked + the catalogs -> an Answer: entries found, candidates, or what was missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.catalog import Catalog, Entry, ProviderCatalog
from bot.query import Mention, PayloadHit, Query, QueryParser

if TYPE_CHECKING:
    from bot.search import Searcher


# Support staff ask about the same few codes all day: answers are remembered per text.
_REMEMBERED = 4096
_REMEMBERED_TEXT = 256  # longer texts (pasted responses) rarely come twice


class Outcome(StrEnum):
    """How a lookup ended, as the analytics count it."""

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


class Note(NamedTuple):
    """Something the answer should say about how it read the question.

    kinds: assumed (args: typed, provider name), payload (provider name, path, value),
    only_provider (code, provider name), range (code, entry code), dropped (count),
    unknown_provider (typed).
    """

    kind: str
    args: tuple[str, ...] = ()


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
        """A named provider and code (or a pasted response) found: safe to answer unasked."""
        if self.outcome not in (Outcome.FOUND, Outcome.NOT_AN_ERROR):
            return False
        if any(note.kind == "payload" for note in self.notes):
            return True
        return bool(self.query.providers and self.query.codes) and not self.missing


@dataclass
class Resolver:
    """Answers queries from one catalog: parse, look up, search."""

    catalog: Catalog
    parser: QueryParser = field(init=False)
    _searcher: Searcher | None = field(default=None, init=False, repr=False)
    _answers: dict[str, Answer] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.parser = QueryParser(self.catalog)
        self.known = tuple(pc.provider.name for pc in self.catalog)  # every provider's name

    @property
    def searcher(self) -> Searcher:
        """The word index, built on first use (exact lookups never need it)."""
        if self._searcher is None:
            from bot.search import Searcher  # the stemmers load only when words are searched

            self._searcher = Searcher(self.catalog)
        return self._searcher

    def answer(self, text: str) -> Answer:
        """The answer to a message; the same text gets the same (remembered) answer."""
        answer = self._answers.get(text)
        if answer is None:
            answer = self.resolve(self.parser.parse(text))
            if len(text) <= _REMEMBERED_TEXT:
                if len(self._answers) >= _REMEMBERED:
                    self._answers.clear()
                self._answers[text] = answer
        return answer

    def resolve(self, query: Query) -> Answer:
        """The answer to a parsed query."""
        if query.payload:
            answer = self._from_payload(query)
            if answer is not None:
                return answer
        if query.unknown_provider and not query.providers:
            note = Note("unknown_provider", (query.unknown_provider,))
            return self._answer(Outcome.NOT_FOUND, query, notes=(note,))
        names = [n for n in query.names if n in self.catalog.by_name]
        unknown_names = [n for n in query.names if n not in self.catalog.by_name]
        if query.codes or names:
            return self._lookup(query, names)
        provider = self._provider(query.provider)
        spelled = (name.replace("_", " ") for name in unknown_names)
        words = " ".join((*query.meaningful_words, *spelled))
        if words.strip():
            return self._search(query, words, provider)
        if provider is not None:
            return self._answer(
                Outcome.PROVIDER, query, provider=provider, notes=self._notes(query)
            )
        return self._answer(Outcome.HELP, query)

    def _provider(self, mention: Mention | None) -> ProviderCatalog | None:
        return self.catalog.providers[mention.slug] if mention else None

    def _notes(self, query: Query) -> tuple[Note, ...]:
        notes = [
            Note("assumed", (m.said, self.catalog.providers[m.slug].provider.name))
            for m in query.providers
            if m.assumed
        ]
        if query.dropped_codes:
            notes.append(Note("dropped", (str(query.dropped_codes),)))
        return tuple(notes)

    def _lookup(self, query: Query, names: list[str]) -> Answer:
        """Codes and symbolic names, each with the provider named nearest to it."""
        matches: list[Match] = []
        candidates: list[Match] = []
        missing: list[Missing] = []
        notes = list(self._notes(query))
        for code, at in query.codes:
            mention = _nearest(query.providers, at)
            if mention is not None:
                pc = self.catalog.providers[mention.slug]
                entry = pc.find(code)
                if entry is None:
                    missing.append(Missing(code, pc, pc.nearest(code)))
                    continue
                if entry.code != code and "-" in (entry.code or ""):
                    notes.append(Note("range", (code, entry.code or "")))
                _add(matches, Match(pc, entry))
                continue
            owners = self.catalog.with_code(code)
            if not owners:
                missing.append(Missing(code))
            elif len(owners) == 1:
                pc, entry = owners[0]
                notes.append(Note("only_provider", (code, pc.provider.name)))
                _add(matches, Match(pc, entry))
            else:
                for pc, entry in owners:
                    _add(candidates, Match(pc, entry))
        for name in names:
            owners = self.catalog.by_name[name]
            if query.providers:
                slugs = {m.slug for m in query.providers}
                owners = [(pc, e) for pc, e in owners if pc.provider.slug in slugs] or owners
            for pc, entry in owners:
                _add(matches, Match(pc, entry))
        return self._combine(query, matches, candidates, missing, notes)

    def _from_payload(self, query: Query) -> Answer | None:
        """A pasted API response: the provider whose paths hold a code it knows."""
        hits = list(query.payload or ())
        named = {m.slug for m in query.providers}
        if named and all(h.loose for h in hits):
            hits = [h for h in hits if h.slug in named]
        found: list[tuple[PayloadHit, Match]] = []
        missing: list[Missing] = []
        for hit in hits:
            pc = self.catalog.providers[hit.slug]
            entry = pc.by_name.get(hit.value) if hit.is_name else pc.find(hit.value)
            if entry is not None:
                found.append((hit, Match(pc, entry)))
            elif not hit.is_name:
                missing.append(Missing(hit.value, pc, pc.nearest(hit.value)))
        if found:
            # The most specific path wins: {"payload": {"code": ...}} is Gupshup's, not Mobizon's.
            depth = max(h.path.count(".") for h, _ in found)
            found = [(h, m) for h, m in found if h.path.count(".") == depth]
            slugs = list(dict.fromkeys(m.slug for _, m in found))
            notes = [
                Note("payload", (m.catalog.provider.name, h.path, h.value))
                for h, m in found
                if m.slug == slugs[0]
            ][:1]
            if len(slugs) == 1:
                return self._combine(query, _unique(m for _, m in found), [], [], notes)
            return self._combine(query, [], _unique(m for _, m in found), [], [])
        if missing and len({m.catalog.provider.slug for m in missing if m.catalog}) == 1:
            return self._combine(query, [], [], missing[:1], [])
        return None

    def _search(self, query: Query, words: str, provider: ProviderCatalog | None) -> Answer:
        slug = provider.provider.slug if provider else None
        hits = self.searcher.search(words, slug)
        notes = self._notes(query)
        if not hits:
            return self._answer(
                Outcome.NOT_FOUND, query, provider=provider, notes=notes, searched=words
            )
        matches = tuple(Match(h.catalog, h.entry) for h in hits)
        from bot.search import decisive

        if decisive(hits):
            return self._combine(query, list(matches[:1]), [], [], list(notes), provider, words)
        return self._answer(
            Outcome.SEVERAL,
            query,
            candidates=matches,
            notes=notes,
            provider=provider,
            searched=words,
        )

    def _answer(self, outcome: Outcome, query: Query, **parts: Any) -> Answer:
        """An Answer that can name every provider (help and not-found texts list them)."""
        return Answer(outcome, query, **parts, known=self.known)

    def _combine(
        self,
        query: Query,
        matches: list[Match],
        candidates: list[Match],
        missing: list[Missing],
        notes: list[Note],
        provider: ProviderCatalog | None = None,
        searched: str = "",
    ) -> Answer:
        if matches:
            outcome = (
                Outcome.NOT_AN_ERROR
                if all(not m.entry.is_error for m in matches)
                else Outcome.FOUND
            )
        elif candidates:
            outcome = Outcome.SEVERAL
        else:
            outcome = Outcome.NOT_FOUND
        return self._answer(
            outcome,
            query,
            matches=tuple(matches),
            candidates=tuple(candidates),
            missing=tuple(missing),
            notes=tuple(notes),
            provider=provider,
            searched=searched,
        )


def _nearest(mentions: tuple[Mention, ...], at: int) -> Mention | None:
    """The provider named closest to a code; before it on a tie ("gosms 1004 gupshup 1004")."""
    if not mentions:
        return None
    return min(mentions, key=lambda m: (abs(m.at - at), m.at > at))


def _add(matches: list[Match], match: Match) -> None:
    if match not in matches:
        matches.append(match)


def _unique(matches: object) -> list[Match]:
    out: list[Match] = []
    for match in matches:  # type: ignore[attr-defined]
        _add(out, match)
    return out
