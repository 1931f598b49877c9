"""Word search over every entry's titles, descriptions, originals and names, both languages."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

import Stemmer
from rapidfuzz import fuzz, process

from bot.catalog import Catalog, Entry, ProviderCatalog
from bot.query import ignored_words
from bot.text import fold

_TOKEN = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-я]")
_STEMMERS = {"ru": Stemmer.Stemmer("russian"), "en": Stemmer.Stemmer("english")}

# How much a word counts by where it stands in an entry.
_WEIGHTS = {"name": 3.0, "title": 3.0, "original": 2.5, "section": 1.0, "description": 1.0}
_MIN_COVERAGE = 0.5  # share of the query's words an entry must contain
_DOMINANT = 2.0  # a best hit this many times the next one is the answer on its own


def stem(word: str) -> str:
    """The stem of a folded word, in the stemmer of its script."""
    stemmed: str = _STEMMERS["ru" if _CYRILLIC.search(word) else "en"].stemWord(word)
    return stemmed


def terms(text: str) -> list[str]:
    """The stems of a text's meaningful words, in order."""
    ignored = ignored_words()
    words = _TOKEN.findall(fold(text).replace("'", ""))  # зв'язок and звязок alike
    return [stem(word) for word in words if word not in ignored and not word.isdigit()]


@dataclass(frozen=True)
class Hit:
    """An entry the words found, with its score; ``exact`` when a field says just the query."""

    score: float
    catalog: ProviderCatalog
    entry: Entry
    exact: bool


class Searcher:
    """An inverted index of the catalog's words, built once per catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self._docs: list[tuple[ProviderCatalog, Entry]] = []
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        self._phrases: list[tuple[tuple[str, ...], ...]] = []
        for pc in catalog:
            for entry in pc.entries:
                self._add(pc, entry)
        total = len(self._docs)
        self._idf = {term: math.log(1 + total / len(docs)) for term, docs in self._postings.items()}
        by_initial: dict[str, list[str]] = defaultdict(list)
        for term in self._postings:
            by_initial[term[0]].append(term)
        self._by_initial = dict(by_initial)

    def _add(self, pc: ProviderCatalog, entry: Entry) -> None:
        doc = len(self._docs)
        self._docs.append((pc, entry))
        fields: dict[str, list[str]] = {
            "name": [" ".join((n or "").split("_")) for n in (entry.name, *entry.aliases)],
            "title": [entry.title.ru, entry.title.en],
            "original": [entry.original],
            "section": [entry.section.ru, entry.section.en] if entry.section else [],
            "description": [entry.description.ru, entry.description.en],
        }
        phrases = []
        for kind, texts in fields.items():
            for text in texts:
                found = terms(text)
                if kind != "description":
                    phrases.append(tuple(found))
                for term in found:
                    postings = self._postings[term]
                    postings[doc] = max(postings.get(doc, 0.0), _WEIGHTS[kind])
        self._phrases.append(tuple(p for p in phrases if p))

    def search(self, text: str, provider: str | None = None, limit: int = 5) -> list[Hit]:
        """Entries best matching the words, best first; nothing for nonsense."""
        known = (self._known(term) for term in terms(text))
        wanted = list(dict.fromkeys(term for term in known if term))
        if not wanted:
            return []
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        for term in wanted:
            idf = self._idf[term]
            for doc, weight in self._postings[term].items():
                scores[doc] += idf * weight
                matched[doc] += 1
        query = tuple(wanted)
        hits = []
        for doc, score in scores.items():
            pc, entry = self._docs[doc]
            if provider is not None and pc.provider.slug != provider:
                continue
            coverage = matched[doc] / len(wanted)
            if coverage < _MIN_COVERAGE:
                continue
            exact = query in self._phrases[doc]
            phrase = exact or any(_contains(p, query) for p in self._phrases[doc])
            bonus = 2.0 if exact else 1.3 if phrase and len(query) > 1 else 1.0
            hits.append(Hit(score * coverage * bonus, pc, entry, exact))
        hits.sort(key=lambda h: (-h.score, h.catalog.provider.slug, h.entry.key))
        return hits[:limit]

    def _known(self, term: str) -> str | None:
        """The term itself when indexed; else its closest indexed spelling, if close enough."""
        if term in self._postings:
            return term
        if len(term) < 5:
            return None
        best = process.extractOne(
            term, self._by_initial.get(term[0], ()), scorer=fuzz.ratio, score_cutoff=85
        )
        return best[0] if best else None


def decisive(hits: list[Hit]) -> bool:
    """Whether the best hit is clearly the answer rather than one of several."""
    if len(hits) == 1:
        return True
    if not hits:
        return False
    first, second = hits[0], hits[1]
    if first.exact and not second.exact:
        return True
    return first.score >= _DOMINANT * second.score


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))
