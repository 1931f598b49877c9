"""What was asked + the catalogs -> an Answer: entries found, candidates, or what was missing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.answer import (
    Answer,
    Assumed,
    Dropped,
    FromPayload,
    InRange,
    Match,
    Missing,
    Note,
    OnlyProvider,
    Outcome,
    UnknownProvider,
)
from bot.core.catalog import Catalog, Entry, ProviderCatalog
from bot.core.payload import PayloadHit
from bot.core.query import Mention, Query, QueryParser
from bot.core.text import phrase_key

if TYPE_CHECKING:
    from bot.core.search import Searcher


# Support staff ask about the same few codes all day: answers are remembered per text (word
# searches and misspelt names gain most; bench/bench_caches.py and the README say how much).
# The only cache on the answer path; the other, TopEntries, keeps the week's top for inline.
# 1,024 texts, then forgotten all at once: bench_e2e.py's Zipf mixes (537 distinct texts in
# 3,000 questions, 747 in 6,000) hit it as often as at 4,096 (82% and 87.5%), and with every
# question different the bot ends 1.6-2.6 MiB smaller (a bot running for weeks: 1,024 answers
# held at most, not 4,096).
_REMEMBERED = 1024
_REMEMBERED_TEXT = 256  # longer texts (pasted responses) rarely come twice


@dataclass
class Resolver:
    """Answers queries from one catalog: parse, look up, search.

    ``taught``: phrases the keepers taught, each (its ``phrase_key``, or any text of which the
    key is made) with the entries it means as ``(provider slug, entry key)``. A question whose
    phrase_key is taught is answered with those entries before anything else is looked up;
    references to entries the catalog no longer has are skipped. Fixed for the resolver's
    life, as its answers are remembered: teaching builds a new resolver."""

    catalog: Catalog
    taught: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    parser: QueryParser = field(init=False)
    _searcher: Searcher | None = field(default=None, init=False, repr=False)
    _answers: dict[str, Answer] = field(default_factory=dict, init=False, repr=False)
    _taught: dict[str, tuple[Match, ...]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.parser = QueryParser(self.catalog)
        self.known = tuple(pc.provider.name for pc in self.catalog)  # every provider's name
        if self.taught:
            entries: dict[tuple[str, str], tuple[ProviderCatalog, Entry]] = {
                (pc.provider.slug, entry.key): (pc, entry)
                for pc in self.catalog
                for entry in pc.entries
            }
            for phrase, refs in self.taught.items():
                key = phrase_key(phrase)
                found = list(self._taught.get(key, ()))
                for slug, key_ in refs:
                    if (slug, key_) in entries:
                        _add(found, Match(*entries[slug, key_]))
                if key and found:
                    self._taught[key] = tuple(found)

    def with_taught(self, taught: Mapping[str, Sequence[tuple[str, str]]]) -> Resolver:
        """A resolver of the same catalog with ``taught`` instead: its word index is shared
        (it depends on the catalog alone), its remembered answers start afresh."""
        resolver = Resolver(self.catalog, taught)
        resolver._searcher = self._searcher
        return resolver

    @property
    def searcher(self) -> Searcher:
        """The word index, built on first use (exact lookups never need it)."""
        if self._searcher is None:
            from bot.core.search import Searcher  # the stemmers load only when words are searched

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
        if self._taught:
            taught = self._taught.get(phrase_key(query.text))
            if taught:
                if len(taught) == 1:
                    return self._combine(query, list(taught), [], [], [])
                return self._combine(query, [], list(taught), [], [])
        answer = self.exact(query)
        if answer is not None:
            return self._told(query, answer) or answer
        if query.unknown_provider and not query.providers:
            note = UnknownProvider(query.unknown_provider)
            return self._answer(Outcome.NOT_FOUND, query, notes=(note,))
        words = self._words(query)
        if words:
            return self._search(query, words, self._provider(query.provider))
        return self._answer(Outcome.HELP, query)

    def exact(self, query: Query) -> Answer | None:
        """The catalogs' own answer by code, symbolic name, pasted response or provider (its
        card, when nothing else is asked), taught phrases and the word search aside; None when
        the query names nothing that way."""
        if query.payload:
            answer = self._from_payload(query)
            if answer is not None:
                return answer
        if query.unknown_provider and not query.providers:
            return None
        names = [n for n in query.names if n in self.catalog.by_name]
        if query.codes or names:
            return self._lookup(query, names)
        provider = self._provider(query.provider)
        if provider is None or self._words(query):
            return None
        return self._answer(Outcome.PROVIDER, query, provider=provider, notes=self._notes(query))

    def _words(self, query: Query) -> str:
        """What the word search is given: the words that ask something, unknown names spelled."""
        unknown = (
            name.replace("_", " ") for name in query.names if name not in self.catalog.by_name
        )
        return " ".join((*query.meaningful_words, *unknown)).strip()

    def _told(self, query: Query, answer: Answer) -> Answer | None:
        """A number the named provider lacks, with words besides: the word search's answer,
        whatever it offers for a number in a story ("mobizon ... 50 messages ..."); for one
        standing as a code ("gosms 1018 device"), one entry, and the "no such code" line."""
        if answer.matches or answer.candidates or query.payload:
            return None
        # An unknown name ("phone_number") is words of the story, as the word search reads it.
        words = self._words(query)
        if not words or any(m.catalog is None for m in answer.missing):
            return None
        at = dict(query.codes)
        codes = tuple(m for m in answer.missing if query.as_code(at[m.code]))
        told = self._search(query, words, self._provider(query.provider))
        if told.matches or (told.candidates and not codes):
            return told._replace(missing=codes)
        return None

    def _provider(self, mention: Mention | None) -> ProviderCatalog | None:
        return self.catalog.providers[mention.slug] if mention else None

    def _notes(self, query: Query) -> tuple[Note, ...]:
        notes: list[Note] = [
            Assumed(m.said, self.catalog.providers[m.slug].provider.name)
            for m in query.providers
            if m.assumed
        ]
        if query.dropped_codes:
            notes.append(Dropped(query.dropped_codes))
        return tuple(notes)

    def _lookup(self, query: Query, names: list[str]) -> Answer:
        """Codes and symbolic names, each with the provider named nearest to it."""
        matches: list[Match] = []
        candidates: list[Match] = []
        missing: list[Missing] = []
        notes = list(self._notes(query))
        for code, at in query.codes:
            named = query.providers_at(at)
            lacking = []
            for mention in named:  # ("gosms/notificore 1004": each that has it answers)
                pc = self.catalog.providers[mention.slug]
                entry = pc.find(code)
                if entry is None:
                    lacking.append(pc)
                    continue
                if entry.code != code and "-" in (entry.code or ""):
                    notes.append(InRange(code, entry.code or ""))
                _add(matches, Match(pc, entry))
            for pc in lacking if len(lacking) == len(named) else ():
                if all(m.code != code or m.catalog is not pc for m in missing):
                    missing.append(Missing(code, pc, pc.nearest(code)))
            if named:
                continue
            owners = self.catalog.with_code(code)
            if not owners:
                missing.append(Missing(code))
            elif len(owners) == 1:
                pc, entry = owners[0]
                notes.append(OnlyProvider(code, pc.provider.name))
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
            h, m = next((h, m) for h, m in found if m.slug == slugs[0])
            notes: list[Note] = [FromPayload(m.catalog.provider.name, h.path, h.value)]
            if len(slugs) == 1:
                return self._combine(query, _unique(m for _, m in found), [], [], notes)
            return self._combine(query, [], _unique(m for _, m in found), [], [])
        if missing and len({m.catalog.provider.slug for m in missing if m.catalog}) == 1:
            return self._combine(query, [], [], missing[:1], [])
        return None

    def _search(self, query: Query, words: str, provider: ProviderCatalog | None) -> Answer:
        from bot.core.scoring import decisive

        hits = self.searcher.search(words, provider.provider.slug if provider else None)
        notes, matches = self._notes(query), tuple(Match(h.catalog, h.entry) for h in hits)
        if hits and decisive(hits):
            return self._combine(query, list(matches[:1]), [], [], list(notes), provider, words)
        outcome = Outcome.SEVERAL if hits else Outcome.NOT_FOUND
        parts = {"notes": notes, "provider": provider, "searched": words}
        return self._answer(outcome, query, candidates=matches, **parts)

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


def _add(matches: list[Match], match: Match) -> None:
    if match not in matches:
        matches.append(match)


def _unique(matches: object) -> list[Match]:
    out: list[Match] = []
    for match in matches:  # type: ignore[attr-defined]
        _add(out, match)
    return out
