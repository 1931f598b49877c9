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
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.processes import (
    ROOT,
    STARTING,
    STOPPING,
    Running,
    free_port,
    no_bot_left,
    start_bot,
)


async def launch(
    fake: FakeTelegram,
    tmp_path: Path,
    program: tuple[str, ...] = ("-m", "bot"),
    ready: str = "getUpdates",  # setWebhook for a webhook
    **settings: str,
) -> Running:
    log = tmp_path / f"bot-{len(list(tmp_path.glob('bot-*.log')))}.log"
    database = tmp_path / "data" / "bot.sqlite3"
    with log.open("wb") as out:
        defaults = {"DATABASE_PATH": str(database), "ANALYTICS_SECRET": "e2e-secret-0123456789"}
        process = await start_bot(
            tmp_path,
            out,
            program,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=fake.base_url,
            **{**defaults, **settings},
        )
    await fake.wait_for(ready, timeout=STARTING, since=len(fake.requests))
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
        # The polling lease is left to run out, not waited on (in vain) at the stop.
        assert "polling lease" not in log
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
    """Whether a reader has the pipe open (a reload waiting at the gate): then it is held open
    for writing, and the reload goes on once the test closes it."""
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
    extra, gates, held = catalogs / "zz.yaml", tmp_path / "gates", []
    gates.mkdir()
    gate = [gates / str(number) for number in range(5)]  # the n-th reload waits at gate[n]
    for path in gate[1:]:
        os.mkfifo(path)
    program = (str(ROOT / "tests" / "support" / "held_reloads.py"),)
    admin = 5005
    async with FakeTelegram() as fake:
        bot = await launch(
            fake, tmp_path, program, CATALOGS_DIR=str(catalogs), HELD_RELOADS=str(gates),
            ADMIN_IDS=str(admin),
        )  # fmt: skip
        try:
            bot.process.send_signal(signal.SIGHUP)
            await until(lambda: opened_for_writing(gate[1], held), "the first reload to wait")
            for _ in range(200):
                bot.process.send_signal(signal.SIGHUP)
            answer = await bot.ask(fake.message("gosms 1004", user_id=90_000))
            assert answer["text"].startswith("<b>GoSMS · 1004")  # answers go on meanwhile
            extra.write_text("provider: [\n")  # what the running one reads
            os.close(held.pop())
            await until(lambda: opened_for_writing(gate[2], held), "the second reload to wait")
            extra.write_text("")  # what the next one reads
            os.close(held.pop())
            # 201 SIGHUPs are two reloads: the one that ran, and one for all asked meanwhile.
            await until(lambda: len(reloads_in(bot.log)) == 2, "two reloads")
            first, second = reloads_in(bot.log)
            assert "zz.yaml:1: broken YAML" in first and "zz.yaml:1: the file is empty" in second
            # Nothing else is queued: /reload now is the next reload, answered once it is through
            # (behind 199 more queued SIGHUPs it would wait at the gate, unanswered).
            extra.unlink()
            since = len(fake.requests)
            fake.push(fake.message("/reload", user_id=admin))
            await until(lambda: opened_for_writing(gate[3], held), "the reload /reload asked for")
            os.close(held.pop())
            reply = await fake.wait_for(
                "sendMessage", lambda c: c.params["chat_id"] == admin, since=since
            )
            assert reply.params["text"].startswith("Catalogs reloaded: ")
            # A reload stuck (at the gate nobody opens): SIGTERM stops the bot all the same.
            bot.process.send_signal(signal.SIGHUP)
            await until(lambda: opened_for_writing(gate[4], held), "a reload to wait")
            bot.process.send_signal(signal.SIGHUP)
            await bot.ask(fake.message("notificore 35", user_id=90_001))
            assert await asyncio.wait_for(bot.stop(), STOPPING) == 0
            os.close(held.pop())
        finally:  # a failed test leaves no bot behind
            if bot.process.returncode is None:
                bot.process.kill()
    log = bot.log.read_text()
    assert len(reloads_in(bot.log)) == 2 and "Traceback" not in log
    assert count(bot.database) == 2


async def test_without_the_databases_key_a_stop_keeps_the_lookups_without_their_people(
    tmp_path: Path,
) -> None:
    # PostgreSQL down for the whole run and no ANALYTICS_SECRET: the key the database keeps was
    # never read, so nobody can be pseudonymised; the lookups are kept all the same.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        down = f"postgresql://codebook@127.0.0.1:{probe.getsockname()[1]}/codebook"
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, DATABASE_URL=down, ANALYTICS_SECRET="")
        for number in range(3):
            fake.push(fake.message("gosms 1004", user_id=81_000 + number))
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 81_002)
        assert await bot.stop() == 0
    spilled = bot.database.with_name("lookups.pending").read_text().splitlines()
    kept = [json.loads(line) for line in spilled]
    assert [row[0] for row in kept] == ["Row"] * 3
    assert [row[4] for row in kept] == [None] * 3  # no person: no key to pseudonymise them
    values = {value for row in kept for value in row if isinstance(value, int)}
    assert not values & {81_000, 81_001, 81_002}  # and never the raw ids
    log = bot.log.read_text()
    assert "3 lookups are kept without their person" in log and "lost" not in log


async def test_a_spill_that_cannot_go_beside_the_database_goes_to_the_working_folder(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where DATABASE_PATH wants a folder")
    database = blocked / "data" / "bot.sqlite3"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        down = f"postgresql://codebook@127.0.0.1:{probe.getsockname()[1]}/codebook"
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, DATABASE_URL=down, DATABASE_PATH=str(database))
        for number in range(4):
            fake.push(fake.message("gosms 1004", user_id=82_000 + number))
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 82_003)
        assert await bot.stop() == 0
    # In the bot's working folder (start_bot's cwd), named for the spill path it stands in for
    (spilled,) = tmp_path.glob("lookups-*.pending")
    assert len(spilled.read_text().splitlines()) == 4
    log = bot.log.read_text()
    assert "cannot spill beside the database" in log and "lost" not in log


async def test_a_catalog_that_is_a_pipe_is_refused_and_the_reload_answers(tmp_path: Path) -> None:
    catalogs = tmp_path / "catalogs"
    shutil.copytree(ROOT / "catalogs", catalogs)
    admin = 5005
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, CATALOGS_DIR=str(catalogs), ADMIN_IDS=str(admin))
        try:
            os.mkfifo(catalogs / "zz.yaml")  # nobody ever writes to it
            bot.process.send_signal(signal.SIGHUP)
            reply = await bot.ask(fake.message("/reload", user_id=admin))
            assert reply["text"].startswith("Catalogs not replaced")
            assert "zz.yaml: not a regular file" in reply["text"]
            assert await bot.stop() == 0
        finally:  # a failed test leaves no bot behind
            if bot.process.returncode is None:
                bot.process.kill()
    assert "zz.yaml: not a regular file" in reloads_in(bot.log)[0]


async def test_a_stop_confirms_the_updates_it_answered_and_leaves_the_rest_to_the_next_start(
    tmp_path: Path,
) -> None:
    """Long polling confirms a batch of updates to Telegram only with its next getUpdates, and
    a batch whose updates wait their turn (40 in hand at once) never gets there: a stop then
    left the ones it had answered unconfirmed, and the next start answered them again. Now a
    stop confirms what it answered; what waited its turn, never begun, the next start answers,
    each person once."""
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path)
        release = fake.hold("sendMessage")  # Telegram slow to take the answers
        people = [80_000 + number for number in range(60)]
        ids = {fake.push(fake.message("gosms 1004", user_id=person)): person for person in people}
        await until(lambda: len(fake.calls("sendMessage")) >= 40, "40 answers in hand")
        stopping = asyncio.ensure_future(bot.stop())
        await until(lambda: "Received SIGTERM" in bot.log.read_text(), "the stop")
        release.set()
        assert await stopping == 0
        answered = [call.params["chat_id"] for call in fake.calls("sendMessage")]
        assert sorted(answered) == people[:40]  # the first 40, each once
        waiting = [update["update_id"] for update in fake.pending_updates]
        assert [ids[update_id] for update_id in waiting] == people[40:]
        assert "never awaited" not in bot.log.read_text()  # aiogram's, for the 20 waiting
        again = await launch(fake, tmp_path)
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == people[-1])
        assert await again.stop() == 0
        answered = [call.params["chat_id"] for call in fake.calls("sendMessage")]
        assert sorted(answered) == people  # each person answered once, none twice
    assert count(bot.database) == 60


def webhook_settings(port: int) -> dict[str, str]:
    """A webhook served on ``port`` of 127.0.0.1, with its secret."""
    return {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": "s3cret-token",
    }


async def test_a_webhook_stop_cuts_off_what_outlasts_its_grace_and_telegram_sends_it_again(
    tmp_path: Path,
) -> None:
    """Telegram slow to take the answers at a webhook's stop: the stop waits its grace
    (STOP_GRACE, 1 s here, 5 s by default), not aiohttp's 60 s (after 55 of which aiogram would
    have answered 200, the update gone), and leaves the requests in hand unanswered, so
    Telegram sends them again: the next start answers each person and counts each lookup once."""
    webhook = webhook_settings(free_port())
    url = webhook["WEBHOOK_URL"]
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}

    async def deliver(update: dict[str, Any]) -> int | str:
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.post(url, json=update, headers=headers) as response,
            ):
                return response.status
        except aiohttp.ClientError as exc:
            return type(exc).__name__

    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, ready="setWebhook", STOP_GRACE="1", **webhook)
        release = fake.hold("sendMessage")
        updates = [fake.message("gosms 1004", user_id=94_000 + n) for n in range(3)]
        posts = [asyncio.ensure_future(deliver(update)) for update in updates]
        await until(lambda: len(fake.calls("sendMessage")) >= 3, "3 answers in hand")
        began = time.monotonic()
        assert await bot.stop() == 0
        assert time.monotonic() - began < 30  # the grace, not aiohttp's minute
        assert 200 not in await asyncio.gather(*posts)  # Telegram will send them again
        log = bot.log.read_text()
        assert "3 update(s) still in hand after 1 s, cut off: 3 Telegram hands out again" in log
        assert "Traceback" not in log and "ERROR" not in log
        release.set()
        again = await launch(fake, tmp_path, ready="setWebhook", **webhook)
        assert await asyncio.gather(*(deliver(update) for update in updates)) == [200] * 3
        assert await again.stop() == 0
    assert count(bot.database) == 3  # each once: the cut-off ones were not counted


async def test_a_stop_while_telegram_has_yet_to_answer_set_webhook_is_a_stop(
    tmp_path: Path,
) -> None:
    """SIGTERM while Telegram had yet to answer setWebhook waited for it (a minute, then the
    start's bound) and exited 1 as if Telegram could not be reached (an attack): it stops."""
    webhook = webhook_settings(free_port())
    async with FakeTelegram() as fake:
        release = fake.hold("setWebhook")
        bot = await launch(fake, tmp_path, ready="setWebhook", **webhook)
        assert await bot.stop() == 0
        release.set()
    log = bot.log.read_text()
    assert "stop signal received" in log and "cannot reach" not in log and "Traceback" not in log


async def test_a_stop_while_telegram_has_yet_to_take_the_commands_is_a_stop_at_once(
    tmp_path: Path,
) -> None:
    """SIGTERM while Telegram had yet to answer the start's requests (the commands, the
    description, the support chat) waited for each up to its 10 s, and Docker's 10 s then
    killed the bot: the start is cut short, the shutdown runs, and the bot exits 0 at once."""
    webhook = webhook_settings(free_port())
    async with FakeTelegram() as fake:
        release = fake.hold("setMyCommands")
        bot = await launch(fake, tmp_path, ready="setMyCommands", **webhook)
        async with no_bot_left(bot):
            bot.process.send_signal(signal.SIGTERM)
            # Within 8 s: before the request's own 10 s, and before Docker's SIGKILL.
            assert await asyncio.wait_for(bot.process.wait(), 8) == 0
        release.set()
        assert fake.calls("setWebhook") == []
    log = bot.log.read_text()
    assert "stop signal received" in log and "lookup log closed" in log
    assert "could not register" not in log and "Traceback" not in log


async def test_a_stop_that_cuts_off_a_batch_waiting_its_turn_counts_each_lookup_once(
    tmp_path: Path,
) -> None:
    """Telegram never takes the answers before the grace, with 40 of a batch of 60 in hand: the
    40 are cut off, and since the rest of their batch waited its turn, no getUpdates confirmed
    them; the next start gets all 60 again and answers them, so the cut ones are counted then,
    not twice."""
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, STOP_GRACE="1")
        release = fake.hold("sendMessage")
        people = [81_000 + number for number in range(60)]
        for person in people:
            fake.push(fake.message("gosms 1004", user_id=person))
        await until(lambda: len(fake.calls("sendMessage")) >= 40, "40 answers in hand")
        assert await bot.stop() == 0
        assert "40 update(s) still in hand after 1 s, cut off: 40 Telegram hands out" in (
            bot.log.read_text()
        )
        assert len(fake.pending_updates) == 60
        release.set()
        since = len(fake.requests)
        again = await launch(fake, tmp_path)

        def answered_again() -> set[int]:
            calls = fake.requests[since:]
            return {c.params["chat_id"] for c in calls if c.method.lower() == "sendmessage"}

        await until(lambda: answered_again() >= set(people), "each answered after the restart")
        assert await again.stop() == 0
    assert count(bot.database) == 60


async def test_an_update_cut_off_that_telegram_counts_delivered_keeps_its_lookup(
    tmp_path: Path,
) -> None:
    """A batch all begun, aiogram asks for the next one at once, and Telegram counts it
    delivered: an update of it cut off by the stop is Telegram's no more. Its lookup is kept,
    and the warning names it, since its answer may never have reached its person."""
    async with FakeTelegram() as fake:
        bot = await launch(fake, tmp_path, STOP_GRACE="1")
        fake.hold("sendMessage")
        update = fake.push(fake.message("gosms 1004", user_id=82_000))
        await fake.wait_for("sendMessage")
        await fake.wait_for("getUpdates", lambda call: call.params.get("offset") == update + 1)
        assert await bot.stop() == 0
        log = bot.log.read_text()
        assert "1 it counts delivered, their lookups kept" in log and f"(updates {update})" in log
        assert fake.pending_updates == []
    assert count(bot.database) == 1


async def test_a_second_bot_polling_the_same_bot_stands_by_and_takes_over_at_its_stop(
    tmp_path: Path,
) -> None:
    """Two processes long polling one bot (replicas without WEBHOOK_URL, a copy left running)
    each took the updates Telegram handed out, and answered and counted them twice (an attack:
    500 questions, 800 answers). The second now stands by, and polls once the first stops."""
    async with FakeTelegram() as fake:
        first = await launch(fake, tmp_path)
        with (tmp_path / "second.log").open("wb") as out:
            process = await start_bot(
                tmp_path, out, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.base_url,
                DATABASE_PATH=str(first.database), ANALYTICS_SECRET="e2e-secret-0123456789",
            )  # fmt: skip
        second = Running(fake, process, first.database, tmp_path / "second.log")
        async with no_bot_left(first), no_bot_left(second):
            await wait_for_line(second.log, "this one stands by")
            for number in range(30):
                fake.push(fake.message("gosms 1004", user_id=70_000 + number))
            await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 70_029)
            assert await first.stop() == 0
            await wait_for_line(second.log, "this one polls now")
            fake.push(fake.message("notificore 35", user_id=80_000))
            await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 80_000)
            assert await second.stop() == 0
        answered = [c.params["chat_id"] for c in fake.requests if c.method == "sendMessage"]
        assert sorted(answered) == [*range(70_000, 70_030), 80_000]  # each once
    assert count(first.database) == 31


async def wait_for_line(log: Path, words: str) -> None:
    """Until the log at ``log`` has a line with ``words`` (the bound only decides a failure)."""
    try:
        await until(
            lambda: log.is_file() and words in log.read_text(errors="replace"), words, STARTING
        )
    except AssertionError:
        said = log.read_text(errors="replace")
        raise AssertionError(f"{log.name} never said {words!r}:\n{said}") from None
