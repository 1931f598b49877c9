"""The lookup log on PostgreSQL: how fast a replica's writer keeps up, and `stats` over ten
million lookups.

Run ``.venv/bin/python bench/bench_postgres.py`` from the checkout, with PostgreSQL running
(``BENCH_POSTGRES``, default ``postgresql://postgres@127.0.0.1:5432/test``: the bench makes
databases of its own beside it). It prints a table and exits 1 if a target is missed.

- The writer (the bot's own LookupLog and PostgresStore: pseudonyms, masking, COPY, rollups in
  one transaction) is compared in the same run with the SQLite writer on the same lookups, and
  with PostgreSQL's ceiling: a bare COPY of the same rows, no rollups.
- ``stats`` is the whole command, a new process each run, as a lead types it, over a database of
  10,000,000 lookups spread over a year (kept as ``codebook_bench_10m`` between runs: building
  it takes minutes; ``--rebuild`` makes it again; it is made again anyway once its newest
  lookups are a day old, so the week ``stats`` reads is never empty).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_analytics import workload, write_all  # noqa: E402

from bot.analytics.rollup import roll_up, stored  # noqa: E402
from bot.store.postgres import LOOKUP_COLUMNS, PostgresStore  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
WRITER_TARGET = 50_000  # lookups per second per replica, rollups included
STATS_TARGET_MS = 500.0  # `python -m bot stats --format json` over 10M lookups
BIG = "codebook_bench_10m"
BIG_COUNT = 10_000_000
DAY = 86400.0


def url_of(name: str) -> str:
    return f"{SERVER.rsplit('/', 1)[0]}/{name}"


async def make_database(name: str, drop: bool = True) -> str:
    admin = await asyncpg.connect(SERVER)
    try:
        if drop:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return url_of(name)


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(SERVER)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def postgres_writer(lookups: list, folder: Path, run: int) -> float:
    name = f"codebook_bench_writer_{run}"
    url = await make_database(name)
    store = PostgresStore(url, folder / "pending")
    await store.open()  # migrated before the clock starts, as a running replica is
    try:
        took = await write_all(store, lookups)
    finally:
        await store.close()
        await drop_database(name)
    return len(lookups) / took


async def bare_copy(lookups: list, run: int) -> float:
    """The same rows, pseudonymised and masked beforehand, COPYed with nothing else: what
    PostgreSQL takes at most on this machine."""
    name = f"codebook_bench_copy_{run}"
    url = await make_database(name)
    store = PostgresStore(url, Path("unused"))
    await store.open()
    await store.close()
    records = roll_up(row for lookup in lookups if (row := stored(lookup, b"bench"))).lookups
    db = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        for first in range(0, len(records), 50_000):
            await db.copy_records_to_table(
                "lookups", records=records[first : first + 50_000], columns=LOOKUP_COLUMNS
            )
        took = time.perf_counter() - started
    finally:
        await db.close()
        await drop_database(name)
    return len(records) / took


async def big_database(rebuild: bool, folder: Path) -> tuple[str, float | None]:
    """The 10M database, made unless a fresh enough one is there; its URL and the seconds it
    took to build (None if kept)."""
    url = await make_database(BIG, drop=False)
    if not rebuild:
        db = await asyncpg.connect(url)
        try:
            newest = (
                await db.fetchval("SELECT max(at) FROM lookups WHERE at > $1", time.time() - DAY)
                if await db.fetchval("SELECT to_regclass('lookups') IS NOT NULL")
                else None
            )
            count = await db.fetchval("SELECT count(*) FROM lookups") if newest else 0
        finally:
            await db.close()
        # The writer prunes what is older than a year: the first hours may have gone.
        if newest and count >= 0.99 * BIG_COUNT:
            store = PostgresStore(url, folder / "pending")
            await store.open()  # migrated to this code's schema, as a starting replica does
            await store.close()
            return url, None
    url = await make_database(BIG)
    store = PostgresStore(url, folder / "pending")
    await store.open()
    chunk, now = 100_000, time.time()
    span = 364 * DAY / (BIG_COUNT // chunk)  # within the year the writer keeps
    started = time.perf_counter()
    try:
        for n in range(BIG_COUNT // chunk):
            until = now - (BIG_COUNT // chunk - 1 - n) * span
            await write_all(store, workload(chunk, span / DAY, seed=100 + n, until=until))
            print(f"  building {BIG}: {(n + 1) * chunk:,} lookups", end="\r", flush=True)
        print()
        db = await asyncpg.connect(url)
        try:
            await db.execute("VACUUM ANALYZE")  # as autovacuum leaves a database at rest
        finally:
            await db.close()
    finally:
        await store.close()
    return url, time.perf_counter() - started


def stats_process(url: str, days: int, runs: int = 5) -> float:
    """Median wall milliseconds of `python -m bot stats --format json --days N`, a new process
    each run (one untimed run first writes the bytecode cache, as any installed bot has)."""
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for run in range(runs + 1):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "bot", "stats", "--format", "json", "--days", str(days)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=True,
        )
        if run:
            times.append((time.perf_counter() - started) * 1000)
        assert result.stdout.startswith(b"{"), result.stdout[:200]
    return statistics.median(times)


async def report_in_process(url: str, days: int, runs: int = 5) -> tuple[float, int]:
    """Median milliseconds of PostgresStore.report (connection included), and the total."""
    store = PostgresStore(url, Path("unused"))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        report = await store.report(days, 10)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), report.total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help=f"make {BIG} again")
    args = parser.parse_args()
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="postgres-", dir=results))
    rows: list[tuple[str, str, str, bool]] = []
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"python {platform.python_version()}, asyncpg {asyncpg.__version__}")
    try:
        lookups = workload(200_000, days=1 / 24, seed=2)  # as they arrive: the last hour
        gc.freeze()  # made in advance; the bot never holds 200k at once
        postgres = [asyncio.run(postgres_writer(lookups, folder, run)) for run in range(3)]
        sqlite = [
            len(lookups) / asyncio.run(write_all(folder / f"sqlite{run}.sqlite3", lookups))
            for run in range(3)
        ]
        ceiling = [asyncio.run(bare_copy(lookups, run)) for run in range(3)]
        gc.unfreeze()
        del lookups
        rows.append(
            (
                "PostgreSQL writer, 200k lookups as they arrive (best of 3)",
                f"{max(postgres):,.0f}/s (median {statistics.median(postgres):,.0f})",
                f">= {WRITER_TARGET:,}/s",
                max(postgres) >= WRITER_TARGET,
            )
        )
        rows.append(("  SQLite writer, same lookups, same run", f"{max(sqlite):,.0f}/s", "", True))
        rows.append(
            ("  bare COPY of the same rows (no rollups)", f"{max(ceiling):,.0f}/s", "", True)
        )

        url, built = asyncio.run(big_database(args.rebuild, folder))
        if built is not None:
            rows.append((f"building {BIG}", f"{BIG_COUNT / built:,.0f} lookups/s", "", True))
        for days in (7, 365):
            in_process, total = asyncio.run(report_in_process(url, days))
            rows.append(
                (
                    f"report --days {days} over 10M lookups ({total:,} in the period)",
                    f"{in_process:.0f} ms",
                    "",
                    True,
                )
            )
            process = stats_process(url, days)
            rows.append(
                (
                    f"python -m bot stats --format json --days {days} (median of 5)",
                    f"{process:.0f} ms",
                    f"<= {STATS_TARGET_MS:.0f} ms",
                    process <= STATS_TARGET_MS,
                )
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    version = asyncio.run(server_version())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(
        f"python {platform.python_version()}, PostgreSQL {version}, asyncpg {asyncpg.__version__}"
    )
    width = max(len(name) for name, *_ in rows)
    for name, value, target, ok in rows:
        mark = "" if not target else ("ok" if ok else "MISSED")
        print(f"  {name:<{width}}  {value:>30}  {target:>14}  {mark}")
    return 0 if all(ok for *_, ok in rows) else 1


async def server_version() -> str:
    db = await asyncpg.connect(SERVER)
    try:
        return str(await db.fetchval("SHOW server_version"))
    finally:
        await db.close()


if __name__ == "__main__":
    sys.exit(main())
