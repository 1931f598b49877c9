"""Speed of the lookup core, each figure beside a baseline measured in the same run.

    python bench/bench_core.py [--quick]

Prints a table and exits 1 if a target of issue #2 is missed:
- parse + resolve + render of an exact ``provider code`` query: median <= 20 µs
- a word search or fuzzy provider over all catalogs: median <= 300 µs
- loading and validating all catalogs: <= 150 ms
- ``python -m bot lookup "gosms 1004"`` as a whole process: median <= 0.3 s
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.catalog_files import load_catalogs  # noqa: E402
from bot.core.markup import HTML  # noqa: E402
from bot.core.render import render  # noqa: E402
from bot.core.resolve import Resolver  # noqa: E402

EXACT = ["gosms 1004", "notificore 35", "radist 17002", "mobizon 12", "gupshup 1002"]
WORDS = [
    "номер в стоп-листе",
    "notificore all numbers are in the stop list",
    "amocrm",
    "invalid phone number",
    "telegram flood error",
]
FUZZY = ["gosm 1004", "notifcore 35", "гупшап 1002", "радиста 17002"]


def per_call(fn: Callable[[], object], rounds: int, batch: int) -> list[float]:
    """Seconds per call, one figure per round of ``batch`` calls."""
    fn()
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        out.append((time.perf_counter() - start) / batch)
    return out


def each(resolver: Resolver, texts: list[str], *, remembered: bool = False) -> Callable[[], object]:
    """Answer and render every text: worked out in full (parse, resolve, render), or, with
    ``remembered``, as a question asked before (the resolver keeps answers per text)."""
    answer = (
        resolver.answer if remembered else (lambda t: resolver.resolve(resolver.parser.parse(t)))
    )

    def run() -> object:
        for text in texts:
            render(answer(text), "en", HTML)
        return None

    return run


def process_median(args: list[str], runs: int) -> float:
    times = []
    env = {**os.environ, "LANG": "C.UTF-8"}
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, cwd=ROOT, env=env, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    quick = parser.parse_args().quick
    rounds, runs = (5, 3) if quick else (25, 11)

    loads = []
    for _ in range(3 if quick else 9):
        start = time.perf_counter()
        catalog, problems = load_catalogs(ROOT / "catalogs")
        loads.append(time.perf_counter() - start)
    assert catalog is not None, problems
    resolver = Resolver(catalog)
    resolver.searcher  # noqa: B018 - the bot builds the index at start-up

    # Baseline for one answer: a dict lookup and one f-string of the same entry's text,
    # the least any lookup could do.
    def baseline() -> object:
        e = catalog.providers["gosms"].by_code["1004"]
        return f"<b>{e.title.en}</b>\n{e.description.en}"

    rows = []
    base = statistics.median(per_call(baseline, rounds, 2000))
    exact = statistics.median(per_call(each(resolver, EXACT), rounds, 200)) / len(EXACT)
    words = statistics.median(per_call(each(resolver, WORDS), rounds, 40)) / len(WORDS)
    fuzzy = statistics.median(per_call(each(resolver, FUZZY), rounds, 100)) / len(FUZZY)
    rows.append(
        (
            "exact provider+code: parse+resolve+render",
            exact * 1e6,
            "µs",
            20,
            f"baseline dict+format {base * 1e6:.2f} µs",
        )
    )
    again = statistics.median(per_call(each(resolver, EXACT, remembered=True), rounds, 200))
    rows.append(("word search over all catalogs", words * 1e6, "µs", 300, ""))
    rows.append(("fuzzy provider name + code", fuzzy * 1e6, "µs", 300, ""))
    rows.append(
        (
            "the same exact question asked again",
            again / len(EXACT) * 1e6,
            "µs",
            20,
            "answer remembered per text",
        )
    )
    rows.append(
        (
            "load + validate all catalogs",
            statistics.median(loads) * 1e3,
            "ms",
            150,
            f"{catalog.entry_count()} entries",
        )
    )
    python = [sys.executable]
    bare = process_median([*python, "-c", "pass"], runs)
    lookup = process_median([*python, "-m", "bot", "lookup", "gosms 1004"], runs)
    rows.append(
        (
            'process: python -m bot lookup "gosms 1004"',
            lookup,
            "s",
            0.3,
            f"baseline python -c pass {bare:.3f} s",
        )
    )

    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{'measure':46} {'median':>10}  {'target':>8}  ok   note")
    failed = False
    for name, value, unit, target, note in rows:
        ok = value <= target
        failed |= not ok
        verdict = "yes" if ok else "NO"
        print(f"{name:46} {value:8.2f} {unit:2} {'<= ' + str(target):>8}  {verdict:3}  {note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
