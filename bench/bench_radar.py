"""Radar benchmark: one live pass over a year of lookups, as the bot runs it every RADAR_INTERVAL.

Run ``.venv/bin/python bench/bench_radar.py`` from the checkout. It builds a SQLite database of a
year of lookups (1,000,000, rollups included, written through the real lookup log, migrations
0001-0005 applied), then times 20 passes at different times of the last day: the rows read with
``Store.radar_rows`` over each span, counted (Timeline.windows_for), tested (detect)
and turned into alerts (advance). The same passes over the rows already in memory show what the
database costs; that compute is also all a pass holds the event loop for (the reads run in the
store's thread, or in PostgreSQL), so it is what a pass can delay an answer by.

Set BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test) to a server that accepts
CREATE DATABASE to time PostgreSQL too; BENCH_POSTGRES= (empty) skips it. The benchmark makes a
database of its own there and drops it afterwards. Prints a table; exits 1 if a target is missed.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_analytics import workload, write_all  # noqa: E402

from bot.analytics.rollup import Lookup  # noqa: E402
from bot.radar.alerts import advance  # noqa: E402
from bot.radar.detect import detect  # noqa: E402
from bot.radar.reading import spans  # noqa: E402
from bot.radar.settings import RadarSettings  # noqa: E402
from bot.radar.windows import Seen, Timeline  # noqa: E402
from bot.store import Store, open_store  # noqa: E402

PASS_TARGET_MS = 50.0  # one live pass, database read included
LOOKUPS = 1_000_000
DAYS = 365
PASSES = 20
SETTINGS = RadarSettings()  # the defaults: 30-minute windows, 7 baseline days, every 5 minutes
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass
class Timings:
    """Milliseconds per pass: live (read + compute), the read alone, compute from memory."""

    live: list[float]
    read: list[float]
    memory: list[float]
    most: int  # rows the largest pass read


def pass_times(until: float) -> list[float]:
    """``PASSES`` passes on the 5-minute grid spread over the last day before ``until``: busy
    and quiet hours alike."""
    step = 86400.0 / PASSES
    grid = SETTINGS.interval
    return [(until - 60 - n * step) // grid * grid for n in range(PASSES)]


def compute(rows: list[Seen], now: float) -> int:
    """A pass over rows in memory: count, detect, advance; how many findings."""
    current, baselines = Timeline(rows).windows_for(
        now, SETTINGS.window, SETTINGS.baseline_days, SETTINGS.baseline_reach
    )
    findings = detect(current, baselines, SETTINGS)
    advance({}, findings, now, SETTINGS)
    return len(findings)


async def seen(store: Store, now: float) -> list[Seen]:
    """The rows a pass at ``now`` reads, as the bot's radar reads them."""
    rows: list[Seen] = []
    for start, end in spans(now, SETTINGS):
        rows += await store.radar_rows(start, end)
    return rows


async def timed_passes(store: Store, times: list[float]) -> Timings:
    """Milliseconds of each live pass, of its read alone, of the same pass from memory, and
    the rows a pass read (the most)."""
    await seen(store, times[0])  # not timed: opens the database
    timings = Timings([], [], [], 0)
    for now in times:
        started = time.perf_counter()
        rows = await seen(store, now)
        read = time.perf_counter()
        compute(rows, now)
        timings.live.append((time.perf_counter() - started) * 1000)
        timings.read.append((read - started) * 1000)
        timings.most = max(timings.most, len(rows))
        started = time.perf_counter()
        compute(rows, now)
        timings.memory.append((time.perf_counter() - started) * 1000)
    return timings


async def measure(store: Path | Store, times: list[float]) -> Timings:
    opened = open_store(store) if isinstance(store, Path) else store
    try:
        return await timed_passes(opened, times)
    finally:
        await opened.close()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def rows_for(name: str, timings: Timings) -> list[tuple[str, str, str, bool]]:
    """The table's lines for one database."""
    live, read, memory = timings.live, timings.read, timings.memory
    median, high = statistics.median(live), p95(live)
    return [
        (
            f"{name}: one pass, read + compute (median of {len(live)})",
            f"{median:.1f} ms (p95 {high:.1f} ms)",
            f"<= {PASS_TARGET_MS:.0f} ms",
            median <= PASS_TARGET_MS and high <= PASS_TARGET_MS,
        ),
        (
            f"{name}: its read alone (seen)",
            f"{statistics.median(read):.1f} ms (p95 {p95(read):.1f} ms)",
            "",
            True,
        ),
        (
            f"{name}: the same passes, rows in memory (event loop)",
            f"{statistics.median(memory):.1f} ms (p95 {p95(memory):.1f} ms)",
            "",
            True,
        ),
        (f"{name}: rows a pass reads (most)", f"{timings.most:,}", "", True),
    ]


async def postgres_passes(
    lookups: list[Lookup], times: list[float]
) -> list[tuple[str, str, str, bool]]:
    """Build the year in a PostgreSQL database of its own, time the passes, drop it."""
    import asyncpg

    from bot.store.postgres import PostgresStore

    name = f"codebook_bench_radar_{uuid.uuid4().hex[:8]}"
    try:
        admin = await asyncpg.connect(POSTGRES, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        return [("PostgreSQL", f"skipped: {POSTGRES} not reachable ({exc})", "", True)]
    folder = Path(tempfile.mkdtemp(prefix="radar-pg-", dir=ROOT / "bench" / "results"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{POSTGRES.rsplit('/', 1)[0]}/{name}"
        took = await write_all(PostgresStore(url, folder / "spill"), lookups)
        db = await asyncpg.connect(url)
        try:
            await db.execute("VACUUM ANALYZE lookups")  # as autovacuum would have by now
        finally:
            await db.close()
        timings = await measure(PostgresStore(url, folder / "spill"), times)
        built = ("PostgreSQL: building the year", f"{took:.0f} s", "", True)
        return [built, *rows_for("PostgreSQL", timings)]
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="radar-", dir=results))
    until = time.time()
    times = pass_times(until)
    table: list[tuple[str, str, str, bool]] = []
    try:
        lookups = workload(LOOKUPS, days=DAYS, seed=7, until=until)
        path = folder / "year.sqlite3"
        took = asyncio.run(write_all(path, lookups))
        size = sum(p.stat().st_size for p in folder.glob("year.sqlite3*")) / 1e6
        table.append((f"SQLite: building the year ({size:.0f} MB file)", f"{took:.0f} s", "", True))
        table += rows_for("SQLite", asyncio.run(measure(path, times)))
        if POSTGRES:
            table += asyncio.run(postgres_passes(lookups, times))
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"python {platform.python_version()}, sqlite {__import__('sqlite3').sqlite_version}")
    print(f"{LOOKUPS:,} lookups over {DAYS} days; {PASSES} passes over the last day; {SETTINGS}")
    width = max(len(name) for name, *_ in table)
    for name, value, target, ok in table:
        mark = "" if not target else ("ok" if ok else "MISSED")
        print(f"  {name:<{width}}  {value:>30}  {target:>10}  {mark}")
    return 0 if all(ok for *_, ok in table) else 1


if __name__ == "__main__":
    sys.exit(main())
