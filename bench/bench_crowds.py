"""Many people at once: what the bot's cost and memory do as the number of people grows, and
whether a normal person is answered in the middle of a crowd.

    python bench/bench_crowds.py [--quick]

Everything goes through the same transport as bench_bot.py, in process.

1. People in the last hour. For 100, 10,000 and 200,000 distinct people who each asked one
   question during the last hour (the clock flood control reads is simulated, so an hour takes
   minutes), the cost per update of the next 3,000 questions, and the process's resident set
   size. Each count runs in a fresh process. Targets: the costs differ by at most 20%; RSS
   after 200,000 people within 30 MiB of RSS after 100.
2. A crowd. 1,000 distinct people send a question at once, handled concurrently as long
   polling does (one task per update, at most UPDATES_AT_ONCE at a time); in the middle of
   them, someone else asks. Targets: the crowd handled at the bot's full rate (at least 0.9
   times its rate one update after another, measured just before); the other person answered
   no later than the crowd's median. Taken first come, first served, the person in the middle
   of the crowd is its median: "no later" allows the time one update takes (1 / rate). The
   whole crowd's time is reported (1,000 updates at the bot's rate: about a second on a fast
   machine).

Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from aiogram.types import Update  # noqa: E402
from bench_bot import rss_kib, zipf_mix  # noqa: E402
from transport import instant_bot  # noqa: E402

from bot.analytics.writer import LookupLog  # noqa: E402
from bot.core.library import Library  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.telegram.app import UPDATES_AT_ONCE, create_dispatcher  # noqa: E402
from bot.telegram.middlewares import RetryAfter  # noqa: E402
from tests.support.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

HOUR = 3600.0
MEASURED = 3000


class Clock:
    """The time flood control reads: set by the bench, so an hour passes in minutes."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def bot_for(folder: Path, clock: Clock | None = None) -> tuple:
    settings = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        database_path=folder / "bench.sqlite3",
        catalogs_dir=ROOT / "catalogs",
        analytics_secret="bench-secret-0123456789",
    )
    library = Library(settings.catalogs_dir)
    library.resolver.searcher  # noqa: B018
    lookups = LookupLog(settings.database_path, secret=b"bench" * 8)
    await lookups.start()
    dp = create_dispatcher(library, lookups, settings, **({"clock": clock} if clock else {}))
    bot, session = instant_bot()
    session.middleware(RetryAfter())
    gc.collect()  # start-up's garbage gone before anything is measured
    return library, lookups, dp, bot, session


async def people(count: int) -> dict[str, float]:
    """One process: ``count`` people over the last hour, then the cost of 3,000 more."""
    clock = Clock()
    make = FakeTelegram()
    with tempfile.TemporaryDirectory() as tmp:
        library, lookups, dp, bot, _ = await bot_for(Path(tmp), clock)
        questions = zipf_mix(library.resolver.catalog, 5000, seed=7)
        # Every count starts alike, as a bot that has answered a while: the mix's answers
        # remembered (with 100 people, most measured questions would otherwise be first ones).
        for text in questions:
            library.resolver.answer(text)
        step = HOUR / count
        for person in range(count):
            clock.now += step
            update = make.message(questions[person % len(questions)], user_id=10**6 + person)
            await dp.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
            if person % 5000 == 4999:
                await lookups.flush()  # the writer keeps up, as it does in a running bot
                # The maker keeps every message it made (tests reply to them): a fresh one, so
                # that what grows with the people is the bot's memory, not the bench's.
                make = FakeTelegram()
        await lookups.flush()
        parsed = [
            Update.model_validate(
                make.message(questions[n % len(questions)], user_id=10**8 + n), context={"bot": bot}
            )
            for n in range(MEASURED)
        ]
        start = time.perf_counter()
        for update in parsed:
            clock.now += step
            await dp.feed_update(bot, update)
        await lookups.flush()
        cost = (time.perf_counter() - start) / MEASURED
        rss = rss_kib(__import__("os").getpid())
        await lookups.close()
    return {"people": count, "cost_ms": cost * 1000, "rss_mib": rss / 1024}


async def crowd(size: int = 1000) -> dict[str, float]:
    """``size`` people at once and one more in the middle, as concurrent tasks."""
    make = FakeTelegram()
    with tempfile.TemporaryDirectory() as tmp:
        library, lookups, dp, bot, _ = await bot_for(Path(tmp))
        questions = zipf_mix(library.resolver.catalog, size, seed=11)
        raw = [make.message(text, user_id=5 * 10**6 + n) for n, text in enumerate(questions)]
        raw.insert(size // 2, make.message("notificore 35", user_id=42))
        parsed = [Update.model_validate(u, context={"bot": bot}) for u in raw]
        # The bot's rate one update after another, over the same kind of questions.
        alone = zipf_mix(library.resolver.catalog, size, seed=12)
        singles = [
            Update.model_validate(make.message(text, user_id=6 * 10**6 + n), context={"bot": bot})
            for n, text in enumerate(alone)
        ]
        start = time.perf_counter()
        for update in singles:
            await dp.feed_update(bot, update)
        rate = len(singles) / (time.perf_counter() - start)
        # The crowd, as aiogram's polling takes it: a task per update, UPDATES_AT_ONCE at most.
        slots = asyncio.Semaphore(UPDATES_AT_ONCE)
        done: dict[int, float] = {}
        start = time.perf_counter()

        async def handle(update: Update) -> None:
            try:
                await dp.feed_update(bot, update)
                done[update.update_id] = time.perf_counter() - start
            finally:
                slots.release()

        tasks = []
        for update in parsed:
            await slots.acquire()
            tasks.append(asyncio.create_task(handle(update)))
        await asyncio.gather(*tasks)
        await lookups.close()
    other = done.pop(parsed[size // 2].update_id)
    times = sorted(done.values())
    return {
        "rate": rate,
        "crowd_rate": len(parsed) / max(times[-1], other),
        "all_ms": times[-1] * 1000,
        "median_ms": statistics.median(times) * 1000,
        "other_ms": other * 1000,
    }


def in_fresh_process(count: int) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--people", str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="up to 20,000 people (a smoke run)")
    parser.add_argument("--people", type=int, help=argparse.SUPPRESS)  # one count, in this process
    args = parser.parse_args()
    if args.people:
        print(json.dumps(asyncio.run(people(args.people))))
        return 0
    counts = (100, 2_000, 20_000) if args.quick else (100, 10_000, 200_000)
    runs = [in_fresh_process(count) for count in counts]
    crowded = asyncio.run(crowd())
    costs = [run["cost_ms"] for run in runs]
    spread = max(costs) / min(costs) - 1
    grown = runs[-1]["rss_mib"] - runs[0]["rss_mib"]
    print(f"# {platform.platform()}, Python {platform.python_version()}")
    print(f"{'measure':58} {'value':>12}  {'target':>10}  ok")
    rows = [
        *(
            (f"cost per update, {r['people']:,} people in the last hour", f"{r['cost_ms']:.3f} ms")
            for r in runs
        ),
        *((f"RSS after {r['people']:,} people", f"{r['rss_mib']:.1f} MiB") for r in runs),
    ]
    table = [(name, value, "", True) for name, value in rows]
    table += [
        ("cost per update, most against least", f"+{spread:.0%}", "<= +20%", spread <= 0.2),
        (f"RSS grown from {counts[0]:,} to {counts[-1]:,} people", f"{grown:.1f} MiB",
         "<= 30 MiB", grown <= 30),
        ("one update after another: updates/s", f"{crowded['rate']:,.0f}/s", "", True),
        ("a crowd of 1,000 at once: updates/s", f"{crowded['crowd_rate']:,.0f}/s",
         ">= 0.9x", crowded["crowd_rate"] >= 0.9 * crowded["rate"]),
        ("a crowd of 1,000: all answered in", f"{crowded['all_ms']:.0f} ms", "", True),
        ("a crowd of 1,000: median answer", f"{crowded['median_ms']:.0f} ms", "", True),
        ("someone else in the middle of it answered in", f"{crowded['other_ms']:.0f} ms",
         "<= median", crowded["other_ms"] <= crowded["median_ms"] + 1000 / crowded["rate"]),
    ]  # fmt: skip
    for name, value, target, ok in table:
        print(f"{name:58} {value:>12}  {target:>10}  {'yes' if ok else 'NO'}")
    return 0 if all(ok for *_, ok in table) else 1


if __name__ == "__main__":
    sys.exit(main())
