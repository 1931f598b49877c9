"""End to end: how the bot stops and what it keeps. Nothing accepted is lost without a trace:
a database locked by someone else at SIGTERM spills to a file the next start writes in; SIGINT
stops like SIGTERM; SIGHUP re-reads the catalogs and the bot goes on."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import signal
import socket
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.processes import ROOT, STARTING, STOPPING, Running, start_bot


async def launch(fake: FakeTelegram, tmp_path: Path, **settings: str) -> Running:
    log = tmp_path / f"bot-{len(list(tmp_path.glob('bot-*.log')))}.log"
    database = tmp_path / "data" / "bot.sqlite3"
    with log.open("wb") as out:
        process = await start_bot(
            tmp_path,
            out,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=fake.base_url,
            DATABASE_PATH=str(database),
            ANALYTICS_SECRET="e2e-secret-0123456789",
            **settings,
        )
    await fake.wait_for("getUpdates", timeout=STARTING, since=len(fake.requests))
    return Running(fake, process, database, log)


def count(database: Path) -> int:
    with closing(sqlite3.connect(database)) as db:
        return int(db.execute("SELECT count(*) FROM lookups").fetchone()[0])


async def test_a_locked_database_at_sigterm_spills_and_the_next_start_writes_it_in(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, ANALYTICS_FLUSH_INTERVAL="60s")
        for number in range(20):
            fake.push(fake.message("gosms 1004", user_id=50_000 + number))
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 50_019)
        # Another process holds the write lock past the busy timeout.
        with closing(sqlite3.connect(bot.database, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            assert await bot.stop() == 0
            other.execute("ROLLBACK")
        log = bot.log.read_text()
        assert "20 lookups kept in" in log and "the next start writes them in" in log
        spill = bot.database.with_name("bot.sqlite3.pending")
        assert spill.is_file() and count(bot.database) == 0
        kept = [json.loads(line) for line in spill.read_text().splitlines()]
        values = {value for row in kept for value in row if isinstance(value, int)}
        assert len(kept) == 20 and not values & set(range(50_000, 50_020))  # pseudonyms, no ids
        again = await launch(fake, tmp_path)
        fake.push(fake.message("notificore 35", user_id=60_000))
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 60_000)
        assert await again.stop() == 0
    assert count(bot.database) == 21 and not spill.exists()


async def test_postgresql_down_at_sigterm_spills_into_a_folder_made_for_it(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:  # a port where no PostgreSQL answers
        probe.bind(("127.0.0.1", 0))
        down = f"postgresql://codebook@127.0.0.1:{probe.getsockname()[1]}/codebook"
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, DATABASE_URL=down)
        for number in range(10):
            fake.push(fake.message("gosms 1004", user_id=80_000 + number))
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 80_009)
        assert not bot.database.parent.exists()  # DATABASE_PATH's folder: nothing made it
        assert await bot.stop() == 0
    spill = bot.database.with_name("lookups.pending")
    assert len(spill.read_text().splitlines()) == 10
    log = bot.log.read_text()
    assert "10 lookups kept in" in log and "lost" not in log and "Traceback" not in log


async def test_sighup_reloads_the_catalogs_and_sigint_stops_like_sigterm(tmp_path: Path) -> None:
    catalogs = tmp_path / "catalogs"
    shutil.copytree(ROOT / "catalogs", catalogs)
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, CATALOGS_DIR=str(catalogs))
        before = await bot.ask(fake.message("gosms 1004"))
        assert before["text"].startswith("<b>GoSMS · 1004 — No devices registered</b>")
        gosms = catalogs / "gosms.yaml"
        gosms.write_text(gosms.read_text().replace("No devices registered", "No phones linked"))
        bot.process.send_signal(signal.SIGHUP)
        # The reload runs in a thread; its log line says it is done.
        await until(lambda: "catalogs reloaded" in bot.log.read_text(), "the reload")
        after = await bot.ask(fake.message("gosms 1004", user_id=1002))
        assert after["text"].startswith("<b>GoSMS · 1004 — No phones linked</b>")
        for number in range(30):
            fake.push(fake.message("notificore 35", user_id=70_000 + number))
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 70_029)
        assert await bot.stop(signal.SIGINT) == 0
    assert count(bot.database) == 32
    assert "Traceback" not in bot.log.read_text()


async def until(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Wait for something the bot does (a line in its log, a reader on a pipe)."""
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


def opened_for_writing(fifo: Path, held: list[int]) -> bool:
    """Whether a reader has the pipe open (a reload reading the catalog): then it is held open
    for writing, so that the reload waits for what the test writes."""
    try:
        held.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError as exc:
        if exc.errno != errno.ENXIO:  # ENXIO: nobody reads it yet
            raise
        return False
    return True


def reloads_in(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "catalogs not replaced" in line]


async def test_sighups_coalesce_and_a_stuck_reload_does_not_hold_up_a_stop(
    tmp_path: Path,
) -> None:
    catalogs = tmp_path / "catalogs"
    shutil.copytree(ROOT / "catalogs", catalogs)
    fifo, held = catalogs / "zz.yaml", []
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, CATALOGS_DIR=str(catalogs))
        # A catalog that is a pipe keeps the first reload reading until the test writes.
        os.mkfifo(fifo)
        bot.process.send_signal(signal.SIGHUP)
        await until(lambda: opened_for_writing(fifo, held), "the reload to open the pipe")
        for _ in range(200):
            bot.process.send_signal(signal.SIGHUP)
        answer = await bot.ask(fake.message("gosms 1004", user_id=90_000))
        assert answer["text"].startswith("<b>GoSMS · 1004")  # answers go on meanwhile
        empty = catalogs / "zz.new"
        empty.write_text("")
        os.replace(empty, fifo)  # what the next reload reads
        os.write(held[0], b"provider: [\n")  # what the running one reads
        os.close(held.pop())
        # 201 SIGHUPs are two reloads: the one that ran, and one for all asked meanwhile.
        await until(lambda: len(reloads_in(bot.log)) == 2, "two reloads")
        first, second = reloads_in(bot.log)
        assert "zz.yaml:1: broken YAML" in first and "zz.yaml:1: the file is empty" in second
        # A reload stuck on a pipe nobody writes to: SIGTERM stops the bot all the same.
        fifo.unlink()
        os.mkfifo(fifo)
        bot.process.send_signal(signal.SIGHUP)
        await until(lambda: opened_for_writing(fifo, held), "the reload to open the pipe")
        bot.process.send_signal(signal.SIGHUP)
        await bot.ask(fake.message("notificore 35", user_id=90_001))
        assert await asyncio.wait_for(bot.stop(), STOPPING) == 0
        os.close(held.pop())
    log = bot.log.read_text()
    assert len(reloads_in(bot.log)) == 2 and "Traceback" not in log
    assert count(bot.database) == 2
