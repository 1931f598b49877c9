"""The word search cross-validated on the catalogs' own ``asked`` phrasings: seven rounds, each
indexing every entry without its k-th phrasing in all three languages (they are translations of
one another, so none may stay behind) and asking those phrasings, as the bot asks them
(``Resolver.answer``). Some 6,000 questions nobody tuned the search on one by one: a change that
raises the blind sets (bench_search.py) while lowering this one has learnt those sets' words.

    python bench/bench_asked_cv.py

Prints the share whose entry comes first and among the first five, overall and by language.
The phrasings were written by the project, who had read the catalogs, and most name no provider,
so the shares are far below the blind sets': compare them before and after a change, not with
the targets.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.core.catalog  # noqa: E402
from bot.core.catalog_files import load_catalogs  # noqa: E402
from bot.core.resolve import Resolver  # noqa: E402
from bot.core.search import Searcher  # noqa: E402

LANGS = ("ru", "en", "uk")
ROUNDS = 7  # phrasings an entry has in each language


def main() -> int:
    catalog, problems = load_catalogs(ROOT / "catalogs")
    if catalog is None:
        print("\n".join(map(str, problems)))
        return 2
    left_out = [0]
    everything = bot.core.catalog.Asked.phrasings

    def without(asked: bot.core.catalog.Asked) -> tuple[str, ...]:
        return tuple(
            text
            for lang in LANGS
            for at, text in enumerate(getattr(asked, lang))
            if at != left_out[0]
        )

    ranks: dict[str, list[int]] = {lang: [] for lang in LANGS}
    bot.core.catalog.Asked.phrasings = without  # type: ignore[method-assign, assignment]
    try:
        for k in range(ROUNDS):
            left_out[0] = k
            resolver = Resolver(catalog)
            resolver._searcher = Searcher(catalog)  # built now, without the k-th phrasings
            for pc in catalog:
                for entry in pc.entries:
                    for lang in LANGS:
                        said = getattr(entry.asked, lang) if entry.asked else ()
                        if len(said) <= k:
                            continue
                        answer = resolver.answer(said[k])
                        got = [(m.slug, m.entry.key) for m in (*answer.matches, *answer.candidates)]
                        want = (pc.provider.slug, entry.key)
                        ranks[lang].append(got.index(want) + 1 if want in got else 0)
    finally:
        bot.core.catalog.Asked.phrasings = everything  # type: ignore[method-assign]

    def shares(found: list[int]) -> str:
        first = sum(rank == 1 for rank in found) / len(found)
        top5 = sum(1 <= rank <= 5 for rank in found) / len(found)
        return f"{first:>8.1%}{top5:>8.1%}"

    every = [rank for found in ranks.values() for rank in found]
    print(f"{len(every)} phrasings, each asked of an index without it")
    print(f"{'':<6}{'first':>8}{'top 5':>8}")
    print(f"{'all':<6}{shares(every)}")
    for lang in LANGS:
        print(f"{lang:<6}{shares(ranks[lang])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
