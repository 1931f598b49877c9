"""The bot against a bare aiogram echo bot configured like it, in one run on one machine.

    python bench/bench_bot.py [--quick]

Both go through the same transport (bench/transport.py: every request serialised as aiogram's
aiohttp session sends it, every reply parsed as it parses Telegram's, a server that answers at
once) with the same aiogram settings (FSM off, HTML, no link previews).

1. Throughput, updates handled per second through ``Dispatcher.feed_update``:
   - the headline, a realistic mix: questions drawn from a Zipf distribution over every catalog
     entry in several spellings (support staff ask the same few codes all day, end users the
     long tail), from a thousand people; target at least 0.8 times the echo bot;
   - every question different (nothing the bot may remember helps); target at least 0.6;
   - beside them, the echo bot answering each question of the mix with the very requests
     Codebook sent for it, made in advance: what sending a long HTML answer with its buttons
     and reading Telegram's reply to it costs through the same transport. The difference is
     Codebook's own work per update.
2. Handling time per update in the mix, in process: p50 and p99; target p99 at most 1 ms.
3. Memory: resident set size of the real ``python -m bot`` process against the echo bot's,
   both long polling the fake Bot API server over HTTP, after the same 200 questions; reported
   as MiB the bot adds (target at most 40 MiB) and as a ratio.

Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from typing import Any  # noqa: E402

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.types import Message, Update  # noqa: E402
from echo_bot import create_dispatcher as echo_dispatcher  # noqa: E402
from transport import instant_bot  # noqa: E402

from bot.analytics.writer import LookupLog  # noqa: E402
from bot.core.catalog import Catalog, Entry, ProviderCatalog  # noqa: E402
from bot.core.library import Library  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.telegram.app import create_dispatcher  # noqa: E402
from bot.telegram.middlewares import RetryAfter  # noqa: E402
from tests.support.fake_telegram import TOKEN, FakeTelegram  # noqa: E402

PEOPLE = 1000
ZIPF_S = 1.1  # the exponent: the most asked question about 7% of all, the top 20 about a third


def spellings(pc: ProviderCatalog, entry: Entry) -> list[str]:
    """How people write a question about ``entry``."""
    slug, name = pc.provider.slug, pc.provider.name
    if entry.code is not None:
        code = entry.code.split("-")[0]
        return [f"{slug} {code}", f"{name} {code}", f"ошибка {slug} #{code}", f"{code} {slug}"]
    if entry.name is not None:
        return [f"{slug} {entry.name}", entry.name.lower(), f"{name} {entry.name}"]
    return [f"{slug} {entry.original}", entry.original.lower()]


def every_spelling(catalog: Catalog) -> list[str]:
    return [text for pc in catalog for entry in pc.entries for text in spellings(pc, entry)]


def zipf_mix(catalog: Catalog, count: int, seed: int) -> list[str]:
    """``count`` questions, Zipf-distributed over every spelling of every entry."""
    questions = every_spelling(catalog)
    rng = random.Random(seed)
    rng.shuffle(questions)  # which question is the popular one: arbitrary, but fixed
    weights = [1 / rank**ZIPF_S for rank in range(1, len(questions) + 1)]
    return rng.choices(questions, weights, k=count)


def all_different(catalog: Catalog, count: int) -> list[str]:
    """``count`` questions, no two alike."""
    shapes = ("{}", "{}?", "{} — что делать", "error {} again", "{} please")
    texts = [shape.format(text) for shape in shapes for text in every_spelling(catalog)]
    return texts[:count]


def updates(texts: list[str]) -> list[dict]:
    make = FakeTelegram()
    return [make.message(text, user_id=100_000 + n % PEOPLE) for n, text in enumerate(texts)]


Sent = dict[str, list[TelegramMethod[Any]]]  # the requests a question made, by its text


async def run(
    dp: Dispatcher, raw: list[dict], codebook: bool = True, sent: Sent | None = None
) -> tuple[float, list[float]]:
    """Updates per second, fed one after another as polling hands them over, and the time
    each took. Codebook's bot has its session middleware (Telegram's retry_after honoured).
    ``sent``, if given, keeps the requests each question made."""
    bot, session = instant_bot()
    kept: list[TelegramMethod[Any]] = []
    session.sent = kept if sent is not None else None
    if codebook:
        session.middleware(RetryAfter())
    parsed = [Update.model_validate(u, context={"bot": bot}) for u in raw]
    took, marks = [], [0]
    start = time.perf_counter()
    for update in parsed:
        began = time.perf_counter()
        await dp.feed_update(bot, update)
        took.append(time.perf_counter() - began)
        marks.append(session.requests)
    elapsed = time.perf_counter() - start
    assert session.requests >= len(parsed), "every update must be answered"
    if sent is not None:
        for n, update in enumerate(parsed):
            text = update.message.text if update.message else None
            sent.setdefault(text or "", kept[marks[n] : marks[n + 1]])
    return len(parsed) / elapsed, took


def replaying_dispatcher(sent: Sent) -> Dispatcher:
    """The echo bot, answering each question with the very requests Codebook made for it,
    made in advance: what Codebook's answers cost to send and to read back, nothing else."""

    async def replay(message: Message, bot: Bot) -> None:
        for method in sent[message.text or ""]:
            await bot(method)

    return echo_dispatcher(replay)


async def throughput(rounds: int, count: int, folder: Path) -> dict[str, object]:
    settings = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        database_path=folder / "bench.sqlite3",
        catalogs_dir=ROOT / "catalogs",
        analytics_secret="bench-secret-0123456789",
        lookups_per_minute=10**6,  # flood control counts, but lets everyone through
    )
    library = Library(settings.catalogs_dir)
    library.resolver.searcher  # noqa: B018 - built at start-up in the bot
    lookups = LookupLog(settings.database_path, secret=b"bench" * 8)
    await lookups.start()
    rates: dict[str, list[float]] = {"echo": [], "zipf": [], "replayed": [], "different": []}
    timings: list[float] = []
    try:
        for number in range(rounds):  # interleaved, so drift on the machine hits all alike
            mix = zipf_mix(library.resolver.catalog, count, seed=number)
            rate, took = await run(echo_dispatcher(), updates(mix), codebook=False)
            rates["echo"].append(rate)
            # A fresh library each round: nothing remembered from the round before.
            fresh = Library(settings.catalogs_dir)
            fresh.resolver.searcher  # noqa: B018
            rate, took = await run(create_dispatcher(fresh, lookups, settings), updates(mix))
            rates["zipf"].append(rate)
            timings += took
            # What it sent, kept in a run of its own (keeping every request alive would slow
            # the timed one down), then replayed.
            sent: Sent = {}
            await run(create_dispatcher(fresh, lookups, settings), updates(mix), sent=sent)
            rate, _ = await run(replaying_dispatcher(sent), updates(mix), codebook=False)
            rates["replayed"].append(rate)
            fresh = Library(settings.catalogs_dir)
            fresh.resolver.searcher  # noqa: B018
            texts = all_different(fresh.resolver.catalog, count)
            rate, _ = await run(create_dispatcher(fresh, lookups, settings), updates(texts))
            rates["different"].append(rate)
    finally:
        await lookups.close()
    timings.sort()
    return {
        **{name: statistics.median(values) for name, values in rates.items()},
        "p50": timings[len(timings) // 2],
        "p99": timings[int(len(timings) * 0.99)],
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def process_rss(args: list[str], folder: Path, questions: list[str]) -> int:
    """RSS of a bot process after it answered ``questions`` over real HTTP."""
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
            for number, text in enumerate(questions):
                fake.push(fake.message(text, user_id=200_000 + number))
            last = 200_000 + len(questions) - 1
            await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == last, timeout=120)
            await asyncio.sleep(1.5)  # let the lookup log write its batch
            return rss_kib(process.pid)
        finally:
            process.terminate()
            await process.wait()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    quick = parser.parse_args().quick
    rounds, count = (3, 1000) if quick else (7, 3000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        speed = await throughput(rounds, count, folder)
        questions = zipf_mix(Library(ROOT / "catalogs").resolver.catalog, 200, seed=99)
        ours = await process_rss(["-m", "bot"], folder, questions)
        echo = await process_rss([str(ROOT / "bench" / "echo_bot.py")], folder, questions)
    zipf, different = speed["zipf"] / speed["echo"], speed["different"] / speed["echo"]
    # Microseconds per update: Codebook's, the same answers replayed, and its own work.
    own_us = 1e6 / speed["zipf"] - 1e6 / speed["replayed"]
    replayed = speed["zipf"] / speed["replayed"]
    p99 = speed["p99"] * 1000
    added = (ours - echo) / 1024
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{'measure':52} {'value':>14}  {'target':>9}  ok")
    rows = [
        ("echo bot (FSM off): updates/s, baseline", f"{speed['echo']:,.0f}/s", "", True),
        ("codebook: updates/s, Zipf mix", f"{speed['zipf']:,.0f}/s", "", True),
        ("codebook: updates/s, every question different", f"{speed['different']:,.0f}/s", "", True),
        ("echo replaying codebook's answers: updates/s", f"{speed['replayed']:,.0f}/s", "", True),
        ("codebook's own work per update (mix - replay)", f"{own_us:.0f} µs", "", True),
        ("ratio, Zipf mix / echo", f"{zipf:.2f}", ">= 0.80", zipf >= 0.8),
        ("ratio, Zipf mix / echo replaying its answers", f"{replayed:.2f}", "", True),
        ("ratio, every question different / echo", f"{different:.2f}", ">= 0.60", different >= 0.6),
        ("handling time in the mix, p50", f"{speed['p50'] * 1000:.2f} ms", "", True),
        ("handling time in the mix, p99", f"{p99:.2f} ms", "<= 1 ms", p99 <= 1.0),
        ("echo bot RSS after 200 questions", f"{echo / 1024:.1f} MiB", "", True),
        ("codebook RSS after 200 questions", f"{ours / 1024:.1f} MiB", "", True),
        ("memory codebook adds to the echo bot", f"{added:.1f} MiB", "<= 40 MiB", added <= 40),
        ("memory ratio, codebook / echo", f"{ours / echo:.2f}", "", True),
    ]
    for name, value, target, ok in rows:
        print(f"{name:52} {value:>14}  {target:>9}  {'yes' if ok else 'NO'}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
