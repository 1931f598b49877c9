"""The catalogs in use and the team's notes on them, swapped whole on reload so no answer ever
sees half of two versions."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.catalog import Catalog
from bot.core.catalog_files import CatalogError, Problem, load_catalogs
from bot.core.resolve import Resolver
from bot.handoff.notes import TeamNotes, load_notes

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reload:
    """What a reload did: the problems that kept the old catalogs, or what changed."""

    problems: list[Problem] = field(default_factory=list)
    before: dict[str, int] = field(default_factory=dict)  # provider name -> entries
    after: dict[str, int] = field(default_factory=dict)

    @property
    def added(self) -> list[str]:
        return [name for name in self.after if name not in self.before]

    @property
    def removed(self) -> list[str]:
        return [name for name in self.before if name not in self.after]

    @property
    def changed(self) -> list[tuple[str, int, int]]:
        """Providers in both whose number of entries changed: (name, before, after)."""
        return [
            (name, self.before[name], count)
            for name, count in self.after.items()
            if name in self.before and self.before[name] != count
        ]

    def __str__(self) -> str:
        if self.problems:
            return f"catalogs not replaced, {len(self.problems)} problem(s): {self.problems[0]}"
        parts = [
            f"catalogs reloaded: {len(self.after)} providers, {sum(self.after.values())} entries "
            f"(before: {len(self.before)}, {sum(self.before.values())})"
        ]
        parts += [f"removed {name} ({self.before[name]})" for name in self.removed]
        parts += [f"added {name} ({self.after[name]})" for name in self.added]
        parts += [f"{name} {old} -> {new}" for name, old, new in self.changed]
        return "; ".join(parts)


class Library:
    """Holds the current resolver and the team's notes (TEAM_NOTES, checked against the
    catalogs); ``reload`` replaces them only with catalogs and notes that are both valid."""

    def __init__(
        self, folder: str | Path, notes: Path | None = None, resolver: Resolver | None = None
    ) -> None:
        """``resolver``: one over the folder's catalogs made already (tests make it once)."""
        self.folder = Path(folder)
        self.notes_path = notes
        if resolver is None:
            catalog, problems = load_catalogs(self.folder)
        else:
            catalog, problems = resolver.catalog, []
        team_notes, notes_problems = load_notes(notes, catalog) if catalog else (None, [])
        if catalog is None or team_notes is None:
            raise CatalogError(problems + notes_problems)
        self.resolver = resolver if resolver is not None else Resolver(catalog)
        self.notes: TeamNotes = team_notes
        self.reloads: Counter[str] = Counter()  # "ok" and "failed", for /metrics
        self.taught: dict[str, list[tuple[str, str]]] = {}  # phrase -> (provider, entry key)
        # A reload reads the files in a thread while the loop may take new taught phrases in:
        # the swaps take turns, so neither undoes the other.
        self._swap = threading.Lock()

    def use_taught(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Answer the phrases the keepers taught, ``(phrase, provider, entry key)`` each."""
        taught: dict[str, list[tuple[str, str]]] = {}
        for phrase, provider, key in rows:
            taught.setdefault(phrase, []).append((provider, key))
        with self._swap:
            self.taught = taught
            self.resolver = self.resolver.with_taught(taught)

    def reload(self) -> Reload:
        """Re-read the folder and the notes; when both are valid swap them in at once, else keep
        the old ones.
        Logged, at WARNING when something was removed or the new catalogs were refused."""
        catalog, problems = load_catalogs(self.folder)
        notes, notes_problems = load_notes(self.notes_path, catalog) if catalog else (None, [])
        if catalog is None or notes is None:
            self.reloads["failed"] += 1
            result = Reload(problems + notes_problems)
            logger.warning("%s", result)
            return result
        resolver = Resolver(catalog, self.taught)
        resolver.searcher  # noqa: B018 - build the word index before the swap, not in an answer
        with self._swap:
            if resolver.taught is not self.taught:  # taught or taken back meanwhile
                resolver = resolver.with_taught(self.taught)
            before = _sizes(self.resolver.catalog)
            self.resolver, self.notes = resolver, notes
        self.reloads["ok"] += 1
        result = Reload(before=before, after=_sizes(catalog))
        logger.log(logging.WARNING if result.removed else logging.INFO, "%s", result)
        return result


def _sizes(catalog: Catalog) -> dict[str, int]:
    return {pc.provider.name: len(pc.entries) for pc in catalog}
