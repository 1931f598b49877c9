"""The catalogs in use, swapped whole on reload so no answer ever sees half of two versions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.catalog import CatalogError, Problem, load_catalogs
from bot.resolve import Resolver


class Library:
    """Holds the current resolver; ``reload`` replaces it only with catalogs that are valid."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        catalog, problems = load_catalogs(self.folder)
        if catalog is None:
            raise CatalogError(problems)
        self.resolver = Resolver(catalog)
        self.reloads: Counter[str] = Counter()  # "ok" and "failed", for /metrics

    def reload(self) -> list[Problem]:
        """Re-read the folder; on success swap the catalogs in at once, else keep the old ones."""
        catalog, problems = load_catalogs(self.folder)
        if catalog is None:
            self.reloads["failed"] += 1
            return problems
        resolver = Resolver(catalog)
        resolver.searcher  # noqa: B018 - build the word index before the swap, not in an answer
        self.resolver = resolver
        self.reloads["ok"] += 1
        return []
