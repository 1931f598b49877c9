"""The bot against a bare aiogram echo bot, measured in the same run on the same machine.

    python bench/bench_bot.py [--quick]

1. Throughput: text updates handled end to end through ``Dispatcher.feed_update`` with a
   session that answers at once (parse, resolve, render, keyboard, send, record), against the
   echo bot's. Target: at least 0.8 times the echo bot's updates per second.
2. Memory: resident set size of the running ``python -m bot`` process against the echo bot's
   (both long polling a fake Bot API server on 127.0.0.1, after the same 200 questions).
   Target: at most 1.2 times the echo bot's.

Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from aiogram import Dispatcher  # noqa: E402
from aiogram.types import Update  # noqa: E402
from echo_bot import create_dispatcher as echo_dispatcher  # noqa: E402
from fake_telegram import TOKEN, FakeTelegram  # noqa: E402
from recording import recording_bot  # noqa: E402

from bot.analytics.writer import LookupLog  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.library import Library  # noqa: E402
from bot.telegram.app import create_dispatcher  # noqa: E402

QUESTIONS = [
    "gosms 1004",
    "notificore 35",
    "1004",
    "radist TELEGRAM_FLOOD_ERROR",
    "номер в стоп-листе",
    "mobizon 100",
    "gosm 1018",
    "amocrm",
]


def updates(count: int, texts: list[str]) -> list[dict]:
    """Text messages from ``count`` different people (so flood control lets all through)."""
    make = FakeTelegram()
    return [make.message(texts[n % len(texts)], user_id=100_000 + n) for n in range(count)]


async def rate(dp: Dispatcher, raw: list[dict], **data: object) -> float:
    """Updates per second, fed one after another as polling would hand them over."""
    bot, session = recording_bot()
    parsed = [Update.model_validate(u, context={"bot": bot}) for u in raw]
    start = time.perf_counter()
    for update in parsed:
        await dp.feed_update(bot, update, **data)
    elapsed = time.perf_counter() - start
    assert len(session.requests) >= len(parsed), "every update must be answered"
    return len(parsed) / elapsed


def distinct_questions(library: Library, count: int) -> list[str]:
    """``count`` different texts: every code of every provider, in a few spellings."""
    codes = [
        f"{pc.provider.slug} {e.code}"
        for pc in library.resolver.catalog
        for e in pc.entries
        if e.code
    ]
    shapes = ("{}", "ошибка {}", "{}?", "error {}", "{} что делать")
    texts = [shape.format(code) for shape in shapes for code in codes]
    return texts[:count]


async def throughput(rounds: int, count: int, folder: Path) -> dict[str, float]:
    """Median updates per second of each kind of run."""
    settings = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        database_path=folder / "bench.sqlite3",
        catalogs_dir=ROOT / "catalogs",
        analytics_secret="bench-secret-0123456789",
        lookups_per_minute=10**6,
    )
    library = Library(settings.catalogs_dir)
    library.resolver.searcher  # noqa: B018 - built at start-up in the bot
    lookups = LookupLog(settings.database_path, secret=b"bench" * 8)
    await lookups.start()
    runs: dict[str, list[float]] = {"exact": [], "mixed": [], "distinct": [], "echo": []}
    try:
        for _ in range(rounds):  # interleaved, so drift on the machine hits all alike
            runs["exact"].append(
                await rate(
                    create_dispatcher(library, lookups, settings), updates(count, ["gosms 1004"])
                )
            )
            runs["mixed"].append(
                await rate(create_dispatcher(library, lookups, settings), updates(count, QUESTIONS))
            )
            # A fresh catalog remembers no answer: every question is worked out in full.
            fresh = Library(settings.catalogs_dir)
            fresh.resolver.searcher  # noqa: B018
            texts = distinct_questions(fresh, count)
            runs["distinct"].append(
                await rate(create_dispatcher(fresh, lookups, settings), updates(len(texts), texts))
            )
            runs["echo"].append(await rate(echo_dispatcher(), updates(count, ["gosms 1004"])))
    finally:
        await lookups.close()
    return {name: statistics.median(values) for name, values in runs.items()}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def process_rss(args: list[str], folder: Path, questions: int) -> int:
    """RSS of a bot process after it answered ``questions`` messages over real HTTP."""
    async with FakeTelegram() as fake:
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": fake.base_url,
            "DATABASE_PATH": str(folder / "rss.sqlite3"),
            "CATALOGS_DIR": str(ROOT / "catalogs"),
            "LOG_LEVEL": "WARNING",
            "ANALYTICS_SECRET": "bench-secret-0123456789",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await fake.wait_for("getUpdates", timeout=60)
            for n in range(questions):
                fake.push(fake.message(QUESTIONS[n % len(QUESTIONS)], user_id=200_000 + n))
            await fake.wait_for(
                "sendMessage", lambda c: c.params["chat_id"] == 200_000 + questions - 1, timeout=120
            )
            await asyncio.sleep(1.5)  # let the lookup log write its batch
            return rss_kib(process.pid)
        finally:
            process.terminate()
            await process.wait()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    quick = parser.parse_args().quick
    rounds, count = (3, 300) if quick else (7, 2000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        speed = await throughput(rounds, count, folder)
        ours_rss = await process_rss(["-m", "bot"], folder, 200)
        echo_rss = await process_rss([str(ROOT / "bench" / "echo_bot.py")], folder, 200)
    ratio = speed["exact"] / speed["echo"]
    memory = ours_rss / echo_rss
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{'measure':52} {'value':>14}  {'target':>9}  ok")
    rows = [
        ("echo bot: updates/s (baseline)", f"{speed['echo']:,.0f}/s", "", True),
        ("codebook: updates/s, 'gosms 1004'", f"{speed['exact']:,.0f}/s", "", True),
        ("codebook: updates/s, 8 questions asked in turn", f"{speed['mixed']:,.0f}/s", "", True),
        ("codebook: updates/s, every question different", f"{speed['distinct']:,.0f}/s", "", True),
        ("throughput ratio, 'gosms 1004' / echo", f"{ratio:.2f}", ">= 0.80", ratio >= 0.8),
        ("echo bot RSS after 200 questions (baseline)", f"{echo_rss / 1024:.1f} MiB", "", True),
        ("codebook RSS after 200 questions", f"{ours_rss / 1024:.1f} MiB", "", True),
        ("memory ratio, codebook / echo", f"{memory:.2f}", "<= 1.20", memory <= 1.2),
    ]
    for name, value, target, ok in rows:
        print(f"{name:52} {value:>14}  {target:>9}  {'yes' if ok else 'NO'}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
