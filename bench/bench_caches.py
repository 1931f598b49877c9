"""What each cache and start-up trick left buys on the headline, so that each earns its place.

    python bench/bench_caches.py [--quick]

The headline is bench_bot.py's Zipf mix, through the same transport. Each round runs it with
everything in place, then once with each one switched off in turn (interleaved, so drift on
the machine hits all alike); the table gives each one's median throughput against the full
set. One that buys less than 10% goes (README, "What the speed rests on").
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_bot import run, updates, zipf_mix  # noqa: E402

from bot.analytics.writer import LookupLog  # noqa: E402
from bot.core.library import Library  # noqa: E402
from bot.core.resolve import Resolver  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.telegram import app  # noqa: E402
from tests.support.fake_telegram import TOKEN  # noqa: E402


@contextmanager
def patched(target: object, name: str, value: object) -> Iterator[None]:
    old = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, old)


def without(name: str) -> Any:
    """A context switching one cache or trick off."""
    if name == "answers remembered per question (Resolver)":
        return patched(Resolver, "answer", lambda self, text: self.resolve(self.parser.parse(text)))
    raise KeyError(name)


# Measured on the way here and removed for buying less than 10% each (without / with): replies
# remembered per answer 1.03, analytics entries per answer 0.96, entry paragraphs 1.03,
# keyboards (lru_cache) 1.00, stems (lru_cache) 0.96, provider names folded once 1.01,
# PyStemmer's own word cache 1.02 (a word search timed alone: bot/core/words.py). gc.freeze()
# after start-up measured 1.01 here, in process, and was dropped; end to end, with the first
# generation's threshold raised, the collector's tuning is kept (bot/cli/run.py: its price is
# bench_e2e.py --features' "gc tuning").
CACHES = ["answers remembered per question (Resolver)"]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    quick = parser.parse_args().quick
    rounds, count = (3, 1000) if quick else (7, 3000)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            _env_file=None,
            bot_token=TOKEN,
            database_path=Path(tmp) / "bench.sqlite3",
            catalogs_dir=ROOT / "catalogs",
            analytics_secret="bench-secret-0123456789",
            lookups_per_minute=10**6,
        )
        lookups = LookupLog(settings.database_path, secret=b"bench" * 8)
        await lookups.start()
        rates: dict[str, list[float]] = {"all caches": [], **{name: [] for name in CACHES}}
        try:
            for number in range(rounds):
                for name in rates:
                    library = Library(settings.catalogs_dir)  # nothing remembered from before
                    library.resolver.searcher  # noqa: B018
                    mix = updates(zipf_mix(library.resolver.catalog, count, seed=number))
                    dp = app.create_dispatcher(library, lookups, settings)
                    gc.collect()  # each run starts alike: last round's library gone
                    if name == "all caches":
                        rate, _ = await run(dp, mix)
                    else:
                        with without(name):
                            rate, _ = await run(dp, mix)
                    await lookups.flush()
                    rates[name].append(rate)
        finally:
            await lookups.close()
    full = statistics.median(rates["all caches"])
    print(f"{'cache':52} {'updates/s':>10} {'without / with':>15}")
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"{name:52} {rate:>10,.0f} {rate / full:>15.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
