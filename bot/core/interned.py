"""Equal numbers and equal scores kept once while the word index is built: many of its terms find
the same entries with the same weights as another term (a word's stems, a rare word's neighbours
in one field), and its scores take few distinct values (90 field weights times 91 idfs)."""

from __future__ import annotations

from bot.core.scoring import Scores


class Interned:
    """Hands back the one kept float, product or dict of scores equal to the one given. For the
    build alone (dropped with it): what it hands back is shared, so never to be changed."""

    def __init__(self) -> None:
        self._floats: dict[float, float] = {}
        self._products: dict[float, dict[float, float]] = {}
        # By the hash of their items (two dicts of one hash and not equal are both kept): the
        # items themselves as keys, a tuple each, raised the build's peak by more than was saved.
        self._scores: dict[int, Scores] = {}

    def number(self, value: float) -> float:
        # Only ±0 are equal floats that differ, and no weight or score here is negative.
        return self._floats.setdefault(value, value)

    def product(self, a: float, b: float) -> float:
        """``a * b``, each product made once: no float is made to be let go."""
        row = self._products.get(a)
        if row is None:
            row = self._products[a] = {}
        found = row.get(b)
        if found is None:
            found = row[b] = self.number(a * b)
        return found

    def scores(self, scores: Scores) -> Scores:
        """The kept dict equal to ``scores``: ``scores`` itself, its numbers kept once, if it is
        the first."""
        key = hash(tuple(scores.items()))
        kept = self._scores.get(key)
        if kept is not None and kept == scores:
            return kept
        for doc, value in scores.items():
            scores[doc] = self.number(value)
        self._scores.setdefault(key, scores)
        return scores
