"""Word search over every entry's titles, descriptions, sections, steps, originals, names and the
ways people ask about it, in Russian, English and Ukrainian; a word also finds its synonyms
(synonyms.yaml), a misspelt word its closest indexed spelling, each weighed below the words as
typed."""

from __future__ import annotations

from array import array
from collections import defaultdict, deque
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from bot.core.catalog import Catalog, Entry, ProviderCatalog
from bot.core.pairs import Pairs
from bot.core.scoring import (
    EXACT,
    LENGTH,
    MIN_COVERAGE,
    PHRASE,
    SYNONYM,
    TYPO,
    WEIGHTS,
    Alternatives,
    Hit,
    Scores,
    merge,
)
from bot.core.terms import Terms
from bot.core.words import Phrase, stems, synonym_groups, words

# --- The index ----------------------------------------------------------------------------------


class Searcher:
    """An inverted index of the catalog's words, built once per catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self._docs: list[tuple[ProviderCatalog, Entry]] = []
        self._phrases: list[tuple[tuple[str, ...], ...]] = []
        pairs = array("Q")  # two stems said side by side: see Pairs
        # While building: each word and each text stemmed once, and every field's stems.
        self._stems: dict[str, tuple[str, ...]] = {}
        self._texts: dict[str, list[tuple[str, ...]]] = {}
        self._fields: deque[tuple[int, str, list[tuple[str, ...]]]] = deque()
        for pc in catalog:
            for entry in pc.entries:
                self._add(pc, entry, pairs)
        self._stems, self._texts = {}, {}  # the fields hold what is left to index
        postings, own = self._index()
        # Sorted once the fields are let go: sorting makes a list of 2 MiB for a while.
        self._pairs = Pairs(pairs)
        # What each term finds, kept small (see Terms): the index 7.3 -> 5.0 MiB traced, the
        # build's peak 8.1 -> 6.2 MiB, the RSS it adds 7.9 -> 6.5 MiB; a word search no slower.
        self._terms = Terms(postings, own, len(self._docs))
        # The search asks these dicts themselves (a method call a stem on the hot path else).
        self._idf, self._term_scores = self._terms.idf, self._terms.scores
        self._groups = synonym_groups()
        self._triggers: dict[str, list[int]] = defaultdict(list)  # one-word member -> groups
        # A phrase member by the stems of its first word -> (member, group).
        self._phrase_triggers: dict[str, list[tuple[Phrase, int]]] = defaultdict(list)
        for number, group in enumerate(self._groups):
            for member in group:
                for term in member[0]:
                    if len(member) == 1:
                        self._triggers[term].append(number)
                    else:
                        self._phrase_triggers[term].append((member, number))
        # What each group finds, worked out once: the search only merges it.
        self._group_scores = [self._scores(self._expand(group)) for group in self._groups]
        self._slugs = [pc.provider.slug for pc, _ in self._docs]
        by_initial: dict[str, list[str]] = defaultdict(list)
        for term in dict.fromkeys((*self._idf, *self._triggers)):
            by_initial[term[0]].append(term)
        self._by_initial = dict(by_initial)

    def _add(self, pc: ProviderCatalog, entry: Entry, pairs: array[int]) -> None:
        doc = len(self._docs)
        self._docs.append((pc, entry))
        about = pc.provider.about
        fields: dict[str, list[str]] = {
            "name": [" ".join((n or "").split("_")) for n in (entry.name, *entry.aliases)],
            "title": [entry.title.ru, entry.title.en, entry.title.uk],
            "original": [entry.original],
            "section": [entry.section.ru, entry.section.en, entry.section.uk]
            if entry.section
            else [],
            "description": [entry.description.ru, entry.description.en, entry.description.uk],
            "steps": [text for step in entry.steps for text in (step.ru, step.en, step.uk)],
            "provider": [about.ru, about.en, about.uk],
            "asked": list(entry.asked.phrasings()) if entry.asked else [],
        }
        phrases = []
        for kind, texts in fields.items():
            for text in texts:
                found = self._texts.get(text)
                if found is None:
                    found = self._texts[text] = [self._stemmed(word) for word in words(text)]
                if kind in ("name", "title", "original", "section"):
                    phrases.append(tuple(alternatives[0] for alternatives in found))
                if kind != "provider":  # said of each of a provider's entries: tells none apart
                    pairs.extend(Pairs.rows(found, doc, kind))
                self._fields.append((doc, kind, found))
        self._phrases.append(tuple(p for p in phrases if p))

    def _index(self) -> tuple[dict[str, Scores], dict[str, int]]:
        """Post every field's terms, each field's weight lowered the longer it is than the
        average of its kind, as BM25 does; and how many entries say each term themselves."""
        sizes: dict[str, list[int]] = defaultdict(list)
        for _, kind, found in self._fields:
            sizes[kind].append(len(found))
        average = {kind: max(1.0, sum(found) / len(found)) for kind, found in sizes.items()}
        # Entries counted, not kept in a set per term, and each field let go once posted: the
        # build's peak is what the process keeps (9.4 -> 8.1 MiB traced, index RSS 8.1 -> 7.9).
        postings: dict[str, Scores] = defaultdict(dict)
        own: dict[str, int] = defaultdict(int)
        counted: dict[str, int] = {}  # the last entry counted for a term
        while self._fields:
            doc, kind, found = self._fields.popleft()
            weight = WEIGHTS[kind] / (1 - LENGTH + LENGTH * len(found) / average[kind])
            for term in {term for alternatives in found for term in alternatives}:
                posted = postings[term]
                if weight > posted.get(doc, 0.0):
                    posted[doc] = weight
                if kind != "provider" and counted.get(term) != doc:
                    own[term] += 1
                    counted[term] = doc
        return postings, own

    def _stemmed(self, word: str) -> tuple[str, ...]:
        found = self._stems.get(word)
        if found is None:
            found = self._stems[word] = stems(word)
        return found

    def _expand(self, group: tuple[Phrase, ...]) -> Alternatives:
        """What a group's words find: each indexed stem of a one-word member, and each phrase
        whose every word is indexed (by its main stem)."""
        found: Alternatives = {}
        for member in group:
            if len(member) == 1:
                for term in member[0]:
                    if term in self._idf:
                        found[(term,)] = SYNONYM
            elif all(alternatives[0] in self._idf for alternatives in member):
                found[tuple(alternatives[0] for alternatives in member)] = SYNONYM
        return found

    def search(self, text: str, provider: str | None = None, limit: int = 5) -> list[Hit]:
        """Entries best matching the words, best first; nothing for nonsense."""
        typed = [stems(word) for word in words(text)]
        wanted = self._wanted(typed)
        if not wanted:
            return []
        # The word found in the most entries first: its scores are copied, not added up.
        order = sorted(wanted, key=lambda word: -len(word[0]))
        scores, covered = dict(order[0][0]), dict(order[0][1])
        for values, credits, _ in order[1:]:
            for doc, value in values.items():
                scores[doc] = scores.get(doc, 0.0) + value
                covered[doc] = covered.get(doc, 0.0) + credits[doc]
        size = len(wanted)
        self._pairs.add_to(scores, typed, self._idf)
        # The provider named is a word of the question that each of its entries says.
        need = MIN_COVERAGE * (size + 1) - 1 if provider else MIN_COVERAGE * size
        ranked = [
            (scores[doc] * credit / size, credit / size, doc)
            for doc, credit in covered.items()
            if credit >= need and (provider is None or self._slugs[doc] == provider)
        ]
        ranked.sort(reverse=True)
        # Only an entry whose bonus could lift it into the first ``limit`` is looked at further.
        floor = ranked[limit - 1][0] / EXACT if len(ranked) >= limit else 0.0
        said = [term for _, _, term in wanted]
        query = tuple(term for term in said if term) if all(said) else ()
        hits = []
        for score, coverage, doc in ranked:
            if score < floor:
                break
            phrases = self._phrases[doc]
            exact = bool(query) and query in phrases
            phrase = exact or (bool(query) and any(_contains(p, query) for p in phrases))
            bonus = EXACT if exact else PHRASE if phrase and len(query) > 1 else 1.0
            pc, entry = self._docs[doc]
            hits.append(Hit(score * bonus, pc, entry, exact, coverage))
        hits.sort(key=lambda h: (-h.score, h.catalog.provider.slug, h.entry.key))
        return hits[:limit]

    def _wanted(self, typed: list[tuple[str, ...]]) -> list[tuple[Scores, Scores, str | None]]:
        """Each word typed (once) with what it finds (see ``_scores``) and the term it was found
        by itself (None when only its synonyms are indexed); words nothing finds are left out."""
        # Phrases are found in the words as typed, before a word said twice is counted once.
        phrase_groups = self._phrase_groups(typed)
        out = []
        for word_stems in {word_stems[0]: word_stems for word_stems in typed}.values():
            found: Alternatives = {(term,): 1.0 for term in word_stems if term in self._idf}
            keys = set(word_stems)
            if not found:
                spelt = self._spelling(word_stems[0])
                if spelt is not None:
                    keys.add(spelt)
                    if spelt in self._idf:
                        found[(spelt,)] = TYPO
            groups = {number for key in keys for number in self._triggers.get(key, ())}
            groups.update(phrase_groups.get(word_stems[0], ()))
            direct = [
                self._term_scores[terms_[0]] for terms_, weight in found.items() if weight == 1.0
            ]
            rest = {terms_: weight for terms_, weight in found.items() if weight != 1.0}
            parts = [*direct, self._scores(rest)] if rest else direct
            parts += [self._group_scores[number] for number in groups]
            if parts:
                values, credits = merge(parts)
                if values:
                    out.append((values, credits, next(iter(found))[0] if found else None))
        return out

    def _phrase_groups(self, typed: list[tuple[str, ...]]) -> dict[str, set[int]]:
        """The groups whose phrase members stand in the words typed, by each word's stem."""
        out: dict[str, set[int]] = defaultdict(set)
        for start, first in enumerate(typed):
            for term in first:
                for member, number in self._phrase_triggers.get(term, ()):
                    end = start + len(member)
                    if end <= len(typed) and all(
                        set(stems_) & set(typed[at])
                        for at, stems_ in enumerate(member[1:], start + 1)
                    ):
                        for at in range(start, end):
                            out[typed[at][0]].add(number)
        return out

    def _scores(self, alternatives: Alternatives) -> tuple[Scores, Scores]:
        """Each entry's best match among a word's alternatives (idf x field weight x weight),
        and how fully the entry says the word: 1 in a title or a description, less in the
        steps or the provider's description, or said only by a synonym."""
        values: Scores = {}
        credits: Scores = {}
        for found, weight in alternatives.items():
            if len(found) == 1:
                scale = self._idf[found[0]] * weight
                matches: Iterable[tuple[int, float, float]] = (
                    (doc, scale * w, weight * w) for doc, w in self._terms.weights(found[0]).items()
                )
            else:
                postings = [self._terms.weights(term) for term in found]
                docs = set(postings[0]).intersection(*postings[1:])
                matches = (
                    (
                        doc,
                        weight
                        * sum(self._idf[t] * p[doc] for t, p in zip(found, postings, strict=True)),
                        weight * min(p[doc] for p in postings),
                    )
                    for doc in docs
                )
            for doc, value, credit in matches:
                if value > values.get(doc, 0.0):
                    values[doc] = value
                if credit > credits.get(doc, 0.0):
                    credits[doc] = min(1.0, credit)
        return values, credits

    def _spelling(self, term: str) -> str | None:
        """The closest indexed (or synonym) spelling of a term, if close enough."""
        if len(term) < 5:
            return None
        best = process.extractOne(
            term, self._by_initial.get(term[0], ()), scorer=fuzz.ratio, score_cutoff=85
        )
        return best[0] if best else None


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))
