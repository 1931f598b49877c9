"""End to end: two bot processes in webhook mode behind a (test-made) load balancer, sharing
PostgreSQL and Redis, as a team runs replicas: updates delivered to each in turn are counted
once, one person's budget holds across both, the radar sends one alert, what is taught through
one is answered by the other (and taking it back too), and a replica stopped mid-burst loses
nothing while the other keeps answering."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import signal
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from bot.analytics.rollup import LookupEntry
from bot.analytics.writer import LookupLog
from bot.core.catalog_files import load_catalogs
from bot.store.postgres import PostgresStore
from tests.support.fake_telegram import Call, FakeTelegram
from tests.support.history import week_before
from tests.support.processes import ROOT, STOPPING, bare_env, bot_command
from tests.support.replicas import Balancer, replicas
from tests.support.services import fresh_postgres, fresh_redis

INTERVAL = 10  # seconds between radar passes (the least RADAR_INTERVAL allows)
PASS = re.compile(r"radar: the pass at (\d+) is done, (\d+) message")  # logged at DEBUG
ALERTS = -100777
ADMIN = 7001
QUESTION = "смс с телефона так и не ушли"  # what the word search alone answers otherwise
TAUGHT = "<b>GoSMS · 1015 — "  # the answer it is taught
NOTICE = "Too many messages. Wait a minute and I will answer again."


def answers_to(fake: FakeTelegram, chat: int) -> list[str]:
    return [c.params["text"] for c in fake.calls("sendMessage") if c.params["chat_id"] == chat]


Passes = list[list[tuple[int, int]]]  # per replica: (a radar pass's time, messages touched)


async def radar_passes(logs: list[Path], until: Callable[[Passes], bool]) -> Passes:
    """The radar passes each replica has finished, read from its log, once ``until`` them."""

    def read() -> Passes:
        return [[(int(a), int(n)) for a, n in PASS.findall(log.read_text())] for log in logs]

    async with asyncio.timeout(60):
        while not until(done := read()):  # noqa: ASYNC110 - other processes write the logs
            await asyncio.sleep(0.1)
    return done


async def teach_and_take_back(fake: FakeTelegram, balancer: Balancer) -> int:
    """Teach QUESTION through replica 0 until replica 1 answers it, then take it back through
    replica 1 until replica 0 no longer does; how many times QUESTION was asked."""
    asked = 0

    async def answer(replica: int, person: int) -> str:
        nonlocal asked
        asked += 1
        assert await balancer.post(fake.message(QUESTION, user_id=person), replica)
        return answers_to(fake, person)[-1]

    async def admin(update: dict[str, Any], replica: int) -> Call:
        since = len(fake.requests)
        assert await balancer.post(update, replica)
        return await fake.wait_for(
            "sendMessage", lambda c: c.params["chat_id"] == ADMIN, since=since
        )

    # Two people take turns (each has a flood budget; two are never a wave for the radar).
    people = itertools.cycle([7101, 7102])
    assert not (await answer(1, next(people))).startswith(TAUGHT)
    taught = await admin(fake.message(f"/teach {QUESTION} gosms 1015", user_id=ADMIN), 0)
    assert taught.params["text"].startswith("Got it: ")
    async with asyncio.timeout(60):  # the other replica looks every POLL_INTERVAL (3 s)
        while not (await answer(1, next(people))).startswith(TAUGHT):  # noqa: ASYNC110
            await asyncio.sleep(0.5)
    listing = await admin(fake.message("/teach", user_id=ADMIN), 1)
    (forget,) = [b["callback_data"] for row in listing.params["reply_markup"]["inline_keyboard"]
                 for b in row if b["text"] == "✕ 1"]  # fmt: skip
    press = fake.callback(
        forget, message_id=listing.result["message_id"], chat_id=ADMIN, user_id=ADMIN
    )
    assert await balancer.post(press, 1)
    async with asyncio.timeout(60):
        while (await answer(0, next(people))).startswith(TAUGHT):  # noqa: ASYNC110
            await asyncio.sleep(0.5)
    return asked


async def test_two_replicas_share_the_count_the_budget_the_radar_teaching_and_a_stop(
    tmp_path: Path,
) -> None:
    catalog, _ = load_catalogs(ROOT / "catalogs")
    assert catalog is not None
    found = catalog.providers["gosms"].find("1004")
    assert found is not None
    gosms = LookupEntry("gosms", found.key, found.code, found.title.en)
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(fresh_postgres())
        redis = await stack.enter_async_context(fresh_redis())
        history = week_before(catalog, time.time(), gosms)  # an ordinary week before now
        seeding = LookupLog(PostgresStore(database, tmp_path / "seed.pending"), secret=b"x" * 32)
        await seeding.start()
        for row in history:
            seeding.record(row)
        await seeding.close()
        fake = await stack.enter_async_context(FakeTelegram())
        settings = {
            "DATABASE_URL": database, "REDIS_URL": redis,
            "ALERT_CHAT_IDS": str(ALERTS), "RADAR_INTERVAL": f"{INTERVAL}s",
            "ADMIN_IDS": str(ADMIN), "LOG_LEVEL": "DEBUG",  # each radar pass is logged
        }  # fmt: skip
        (first, second), balancer = await stack.enter_async_context(
            replicas(tmp_path, fake, **settings)
        )

        async def ask(text: str, person: int) -> int:
            return await balancer.deliver(fake.message(text, user_id=person))

        def alert(call: Call) -> bool:
            return call.params["chat_id"] == ALERTS

        # A wave on GoSMS 1004 that both replicas see half of: one alert, not two.
        for person in range(5001, 5009):
            await ask("gosms 1004", person)

        # Until the radar's next pass, one person's 25 questions in a minute, spread over both:
        # 20 answers and one notice. (A webhook's POST returns once its update is handled, so
        # every answer is in when the last returns.) The budget gives one back every 3 s, on
        # Redis' clock: a machine so slow that the burst outlasts that may answer one more for
        # each 3 s it took, never more.
        began = time.monotonic()
        for n in range(25):
            await ask(f"notificore {30 + n % 10}", 4242)
        took = time.monotonic() - began
        texts = answers_to(fake, 4242)
        theirs = len(texts) - texts.count(NOTICE)
        assert texts.count(NOTICE) == 1 and 20 <= theirs <= 20 + int(took // 3), (took, texts)
        assert balancer.delivered == [4 + 13, 4 + 12]

        # A phrase taught through one replica is answered by the other within seconds, and so
        # is taking it back (through the other).
        asked = await teach_and_take_back(fake, balancer)

        # The alert, and the pass that sent it (its log line follows the send; a later one may
        # have edited it, the wave having grown meanwhile).
        await fake.wait_for("sendMessage", alert, 60)
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        done = await radar_passes(logs, lambda done: any(n for log in done for _, n in log))
        alerted = min(at for log in done for at, n in log if n)
        # Both radars have finished that pass (they pass at the same times, on the clock's
        # grid): the other one, not holding the lease, sent nothing.
        await radar_passes(logs, lambda done: all(log and log[-1][0] >= alerted for log in done))
        assert len([c for c in fake.calls("sendMessage") if alert(c)]) == 1

        # A burst; one replica is stopped halfway; the balancer sends the rest to the other.
        burst = range(6001, 6041)
        for n, person in enumerate(burst):
            if n == 20:
                first.send_signal(signal.SIGTERM)
            await ask(f"gosms {1000 + n % 10}", person)
        assert await asyncio.wait_for(first.wait(), STOPPING) == 0
        async with asyncio.timeout(60):
            while any(not answers_to(fake, person) for person in burst):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        answered = {person: answers_to(fake, person) for person in burst}
        twice = {p: [t[:40] for t in texts] for p, texts in answered.items() if len(texts) != 1}
        assert not twice, (twice, balancer.delivered)
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), STOPPING) == 0

        # Every lookup counted once: the person's 20, 8 of the wave's, 40 of the burst's, and
        # the questions asked while teaching. (Two days, today's and yesterday's: all of this
        # test's lookups are in them even if midnight passed while it ran.)
        today = int(time.time() // 86400)
        earlier = sum(1 for row in history if int(row.at // 86400) >= today - 1)
        env = bare_env(DATABASE_URL=database)
        stats = await bot_command("stats", "--format", "json", "--days", "2", cwd=tmp_path, env=env)
        assert json.loads(stats.stdout)["total"] == earlier + theirs + 8 + 40 + asked
