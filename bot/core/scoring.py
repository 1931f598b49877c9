"""How the word search weighs what it finds: a word by where it stands in an entry, how fully an
entry must say the words asked, what a hit is and when the best one is the answer."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.catalog import Entry, ProviderCatalog

# How much a word counts by where it stands in an entry; "provider" is what the provider is
# about (GoSMS: SMS through Android phones), said of every entry it has; "asked", the phrasings
# of people telling the entry's situation: up to 21 an entry, loose, each word less than described.
WEIGHTS = {
    "name": 3.0,
    "title": 3.0,
    "original": 2.5,
    "section": 1.0,
    "description": 1.0,
    "steps": 0.5,
    "provider": 0.3,
    "asked": 0.75,
}
LENGTH = 0.5  # how much a field longer than most of its kind weakens its words (BM25's b)
# How fully an entry must say the words asked, each word counting 1 in a title or a description,
# less in the steps, in the provider's description or through a synonym: to be offered at all,
# a third (people write more words than any entry says: "ran out of money, can't send
# anything"); to be the answer on its own, half.
MIN_COVERAGE = 0.34
ANSWER_COVERAGE = 0.5
DOMINANT = 2.0  # a best hit this many times the next one is the answer on its own
EXACT = 2.0  # a field says just the words asked
PHRASE = 1.3  # a field says the words asked, in their order
TYPO = 0.8  # a misspelt word's closest spelling counts this much of the word itself
# Two words asked side by side that an entry says side by side ("templates switched off") add
# this much of the rarer one's score: 0.25 raised symptoms.yaml (98.0% first -> 99.0%) and
# symptoms_blind_dev2.yaml (96.7% -> 98.0%), symptoms_blind_dev.yaml unchanged; 0.5 and 1 lowered
# the blind Russian questions.
BIGRAM = 0.25
SYNONYM = 0.5  # a synonym counts this much of the word typed


@dataclass(frozen=True)
class Hit:
    """An entry the words found, with its score; ``exact`` when a field says just the query;
    ``coverage``, how fully it says the words asked (see MIN_COVERAGE)."""

    score: float
    catalog: ProviderCatalog
    entry: Entry
    exact: bool
    coverage: float = 1.0


Alternatives = dict[tuple[str, ...], float]  # terms (all must be in an entry) -> weight
Scores = dict[int, float]  # entry -> score


def decisive(hits: list[Hit]) -> bool:
    """Whether the best hit is clearly the answer rather than one of several."""
    if not hits or hits[0].coverage < ANSWER_COVERAGE:
        return False
    if len(hits) == 1:
        return True
    first, second = hits[0], hits[1]
    if first.exact and not second.exact:
        return True
    return first.score >= DOMINANT * second.score


def merge(parts: list[tuple[Scores, Scores]]) -> tuple[Scores, Scores]:
    """The best of several words' scores for each entry."""
    parts.sort(key=lambda part: -len(part[0]))
    values, credits = dict(parts[0][0]), dict(parts[0][1])
    for more_values, more_credits in parts[1:]:
        for doc, value in more_values.items():
            if value > values.get(doc, 0.0):
                values[doc] = value
        for doc, credit in more_credits.items():
            if credit > credits.get(doc, 0.0):
                credits[doc] = credit
    return values, credits
