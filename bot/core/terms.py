"""What each indexed term finds, worked out once for the word search and kept small: equal
postings, scores and numbers are kept once, and a term's field weights are kept as its credits
where no weight passes 1, in an array beside them where one does."""

from __future__ import annotations

import math
from array import array

from bot.core.interned import Interned
from bot.core.scoring import Scores


class Terms:
    """Each term's idf and what it finds: ``scores[term]`` is (idf x field weight, credit) by
    entry, the credit being the field weight up to 1 (see Searcher._scores)."""

    def __init__(self, postings: dict[str, Scores], own: dict[str, int], total: int) -> None:
        """``postings``: each term's field weight by entry, emptied as it is read; ``own``: how
        many entries say each term themselves (how rare a term is counts only those); ``total``:
        how many entries."""
        interned = Interned()
        self.idf = {
            term: interned.number(math.log(1 + total / (own.get(term) or len(docs))))
            for term, docs in postings.items()
        }
        # The search only merges these (a word search takes 150 µs so, 214 µs working them out
        # per question). Many terms find what another finds (a word's stems, a rare word's
        # neighbours in one field): terms of the same postings and idf share their scores.
        self.scores: dict[str, tuple[Scores, Scores]] = {}
        self._over_one: dict[str, array[float]] = {}
        # The first term of each postings and idf, by their hash. Postings are let go once
        # worked out, kept as credits or weights: kept whole till the end, those of weights
        # passing 1 raised the build's peak by 0.7 MiB.
        first: dict[int, str] = {}
        for term, idf in self.idf.items():
            found = postings.pop(term)
            same = first.setdefault(hash((tuple(found.items()), idf)), term)
            if same is not term and self.idf[same] == idf and self.weights(same) == found:
                self.scores[term] = self.scores[same]
                if same in self._over_one:
                    self._over_one[term] = self._over_one[same]
                continue
            self.scores[term] = self._worked_out(found, idf, interned)
            credits = self.scores[term][1]
            # Where a weight passes 1 the credits cap it: the weights are kept in the credits'
            # order for the few searches needing them (a misspelt word's closest spelling).
            if any(w > 1.0 for w in found.values()):
                self._over_one[term] = array("d", (found[doc] for doc in credits))

    @staticmethod
    def _worked_out(found: Scores, idf: float, interned: Interned) -> tuple[Scores, Scores]:
        """A term's scores and credits from its postings ``found``: the credits are the postings
        themselves where no weight passes 1 (three terms in four)."""
        values = {doc: interned.product(idf, w) for doc, w in found.items()}
        if all(w <= 1.0 for w in found.values()):
            return values, interned.scores(found)
        return values, interned.scores({doc: min(1.0, w) for doc, w in found.items()})

    def weights(self, term: str) -> Scores:
        """A term's field weight by entry."""
        credits = self.scores[term][1]
        over_one = self._over_one.get(term)
        return credits if over_one is None else dict(zip(credits, over_one, strict=True))
