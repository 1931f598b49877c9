"""Two words an entry says side by side, for the word search's bonus to questions saying them
side by side too (scoring.BIGRAM)."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator
from itertools import pairwise

from bot.core.scoring import BIGRAM, WEIGHTS, Scores


class Pairs:
    """Two stems said side by side in an entry's field, and the field: one sorted array of
    numbers, each the pair's hash (44 bits), the entry (16) and the field (3), bisected.
    Dicts of postings for the 30,000 pairs took 10 MiB and left the process 11 MiB bigger; this
    leaves it 1 MiB bigger."""

    KINDS = tuple(WEIGHTS)

    def __init__(self, rows: array[int]) -> None:
        self._rows = array("Q", sorted(rows))

    @staticmethod
    def _key(a: str, b: str) -> int:
        return (hash((a, b)) & (1 << 44) - 1) << 19

    @classmethod
    def _low(cls, doc: int, kind: str) -> int:
        assert doc < 1 << 16
        return doc << 3 | cls.KINDS.index(kind)

    @classmethod
    def row(cls, a: str, b: str, doc: int, kind: str) -> int:
        return cls._key(a, b) | cls._low(doc, kind)

    @classmethod
    def rows(cls, said: list[tuple[str, ...]], doc: int, kind: str) -> Iterator[int]:
        """The row of each two stems said side by side in entry ``doc``'s field ``said`` (each
        word's stems), the entry and the field worked out once (the index's build makes ~50,000)."""
        key, low = cls._key, cls._low(doc, kind)
        return (key(a, b) | low for first, second in pairwise(said) for a in first for b in second)

    def find(self, a: str, b: str) -> Iterator[tuple[int, float]]:
        """Each entry saying ``a b`` with the weight of a field saying it (maybe twice)."""
        key = self._key(a, b)
        at = bisect_left(self._rows, key)
        while at < len(self._rows) and self._rows[at] >> 19 == key >> 19:
            row = self._rows[at]
            yield (row >> 3) & 0xFFFF, WEIGHTS[self.KINDS[row & 7]]
            at += 1

    def add_to(self, scores: Scores, typed: list[tuple[str, ...]], idf: dict[str, float]) -> None:
        """Two words asked side by side (each word's stems, in order) that an entry says side by
        side add to its score, if it has one: BIGRAM of the rarer word's idf times the weight of
        the best field saying them."""
        for first, second in dict.fromkeys(pairwise(typed)):
            found: Scores = {}
            for a, b in {(a, b) for a in first for b in second}:
                for doc, weight in self.find(a, b):
                    if weight > found.get(doc, 0.0):
                        found[doc] = weight
            rarer = min(idf.get(first[0], 0.0), idf.get(second[0], 0.0))
            for doc, weight in found.items():
                if doc in scores:
                    scores[doc] += BIGRAM * rarer * weight
