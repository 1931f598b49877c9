"""End to end: the real ``python -m bot`` process, long polling a fake Bot API server on
127.0.0.1 over real HTTP, with a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.core.catalog_files import load_catalogs
from bot.store import open_store
from bot.store.schema import migrations
from bot.telegram.keyboards import Pick
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.processes import (
    ROOT,
    STARTING,
    STOPPING,
    Running,
    bot_command,
    free_port,
    no_bot_left,
    start_bot,
)

ADMIN = 5005


pytestmark = pytest.mark.asyncio(loop_scope="module")


async def launch(
    folder: Path, fake: FakeTelegram, program: tuple[str, ...] = ("-m", "bot")
) -> Running:
    database = folder / "data" / "bot.sqlite3"
    log = folder / "bot.log"
    with log.open("wb") as out:
        process = await start_bot(
            folder,
            out,
            program,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=fake.base_url,
            DATABASE_PATH=str(database),
            ADMIN_IDS=str(ADMIN),
            LOG_LEVEL="INFO",
            ANALYTICS_SECRET="e2e-secret-0123456789",
        )
    await fake.wait_for("getUpdates", timeout=STARTING)
    return Running(fake, process, database, log)


@asynccontextmanager
async def bot_in(folder: Path, program: tuple[str, ...] = ("-m", "bot")) -> AsyncIterator[Running]:
    async with FakeTelegram() as fake, no_bot_left(await launch(folder, fake, program)) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    """The bot the tests that leave it running share; each asks as people of its own. It writes
    the name of every module it holds to imports.log (tests/support/imports_logged.py)."""
    program = (str(ROOT / "tests" / "support" / "imports_logged.py"),)
    async with bot_in(tmp_path_factory.mktemp("shared"), program) as running:
        yield running


def imported(log: Path) -> list[str]:
    """The modules the bot beside ``log`` holds, as imports.log says them."""
    return log.with_name("imports.log").read_text().splitlines()


@pytest_asyncio.fixture(loop_scope="module")
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """A bot of the test's own, for the tests that stop it."""
    async with bot_in(tmp_path) as bot:
        yield bot


class TestOneBotLeftRunning:
    """The tests that leave the bot running share one (starting one takes seconds): the suite
    hands a class's tests to one worker (conftest.py), so that it starts once. Each asks as
    people of its own."""

    async def test_a_private_question_is_answered(self, shared: Running) -> None:
        sent = await shared.ask(shared.fake.message("gosms 1004", user_id=1001))
        assert sent["chat_id"] == 1001
        assert sent["text"].startswith("<b>GoSMS · 1004 — No devices registered</b>")
        assert sent["parse_mode"] == "HTML"

    async def test_a_group_command_is_answered_as_a_reply(self, shared: Running) -> None:
        update = shared.fake.message("/code@codebook_test_bot notificore 35", chat_type="group")
        sent = await shared.ask(update)
        assert sent["reply_parameters"]["message_id"] == update["message"]["message_id"]
        assert sent["text"].startswith("<b>Notificore · 35 — ")

    async def test_group_chatter_gets_silence(self, shared: Running) -> None:
        since = len(shared.fake.requests)
        chatter = shared.fake.message("встреча в 1004 кабинете", chat_type="group", chat_id=-77)
        shared.fake.push(chatter)
        sent = await shared.ask(shared.fake.message("gosms 1004", chat_type="group", chat_id=-77))
        assert sent["text"].startswith("<b>GoSMS · 1004")
        answered = [c for c in shared.fake.requests[since:] if c.method == "sendMessage"]
        assert [c.params["reply_parameters"]["message_id"] for c in answered] == [
            sent["reply_parameters"]["message_id"]
        ]
        assert chatter["message"]["message_id"] != sent["reply_parameters"]["message_id"]

    async def test_a_slow_chat_does_not_hold_up_the_others(self, shared: Running) -> None:
        fake = shared.fake
        release = fake.hold("sendMessage", lambda params: params["chat_id"] == 1101)
        since = len(fake.requests)
        fake.push(fake.message("gosms 1004", user_id=1101))
        try:
            # The first update is in hand, its reply stuck with Telegram: now another person asks.
            slow = await fake.wait_for(
                "sendMessage", lambda c: c.params["chat_id"] == 1101, since=since
            )
            fake.push(fake.message("notificore 35", user_id=1102))
            await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 1102, since=since)
            assert slow.result is None  # the first reply was still with Telegram meanwhile
        finally:
            release.set()

    async def test_an_inline_query_is_answered(self, shared: Running) -> None:
        sent = await shared.ask(
            shared.fake.inline("radist 17002", user_id=1201), "answerInlineQuery"
        )
        (result,) = sent["results"]
        assert result["title"].startswith("Radist.Online 17002 — ")
        assert result["input_message_content"]["message_text"].startswith(
            "<b>Radist.Online · 17002"
        )

    async def test_a_button_press_turns_the_list_into_the_answer(self, shared: Running) -> None:
        listing = await shared.ask(shared.fake.message("1004", user_id=1301))
        rows = listing["reply_markup"]["inline_keyboard"]
        gosms = rows[0][0]
        assert gosms["text"] == "GoSMS 1004" and Pick.unpack(gosms["callback_data"])
        (message,) = shared.fake.sent(1301)
        since = len(shared.fake.requests)
        edited = await shared.ask(
            shared.fake.callback(
                gosms["callback_data"], message_id=message["message_id"], chat_id=1301, user_id=1301
            ),
            "editMessageText",
        )
        assert edited["text"].startswith("<b>GoSMS · 1004 — No devices registered</b>")
        await shared.fake.wait_for("answerCallbackQuery", since=since)

    async def test_what_it_does_not_use_is_never_imported(self, shared: Running) -> None:
        """Redis' client (3 MiB) without REDIS_URL; prometheus_client and aiohttp's server
        (2.6 MiB) without METRICS_PORT or a webhook, where no one can read a metric: nothing is
        counted then. (The real bot, up and answering, where this was a fresh interpreter
        importing the dispatcher: the same question without a second start of aiogram.)"""
        await shared.ask(shared.fake.message("gosms 1004", user_id=1401))
        modules = imported(shared.log)
        assert {"aiogram", "bot.telegram.app", "bot.telegram.shared"} <= set(modules)
        unused = ("redis", "prometheus_client", "aiohttp.web", "bot.telegram.metrics")
        assert [name for name in modules if name.startswith(unused)] == []


async def test_sigterm_after_a_burst_writes_every_lookup_and_stats_counts_them(
    running: Running,
) -> None:
    burst = 60
    for number in range(burst):
        # Different people, so flood control lets every one through.
        running.fake.push(running.fake.message("gosms 1004", user_id=20_000 + number))
    running.fake.push(running.fake.message("twilio 21211", user_id=20_999))
    await running.fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 20_999, timeout=60)
    assert await running.stop() == 0
    with closing(sqlite3.connect(running.database)) as db:
        (count,) = db.execute("SELECT count(*) FROM lookups").fetchone()
    assert count == burst + 1
    log = running.log.read_text()
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "update" in log and "message in private: found" in log
    assert "Traceback" not in log
    env = {**os.environ, "DATABASE_PATH": str(running.database)}
    stats = await bot_command("stats", "--format", "json", cwd=ROOT, env=env)
    report = json.loads(stats.stdout)
    assert (report["total"], report["found"], report["not_found"]) == (burst + 1, burst, 1)
    assert report["gaps"] == [{"query": "twilio 21211", "count": 1}]


async def test_sigterm_mid_burst_finishes_the_updates_in_hand(running: Running) -> None:
    for number in range(40):
        running.fake.push(running.fake.message("notificore 21 41", user_id=30_000 + number))
    await running.fake.wait_for("sendMessage")
    assert await running.stop() == 0
    answered = len(running.fake.calls("sendMessage"))
    with sqlite3.connect(running.database) as db:
        (count,) = db.execute("SELECT count(*) FROM lookups").fetchone()
    # Every update the bot took was answered and logged; the rest stay with Telegram.
    assert count == answered >= 1
    fetched = {u["update_id"] for c in running.fake.calls("getUpdates") for u in c.result or []}
    assert answered == len(fetched)


async def test_a_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    process = await start_bot(tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), STOPPING)
    assert process.returncode == 1
    assert err.decode().splitlines() == [
        "codebook: BOT_TOKEN is not set: put the token @BotFather gave you in BOT_TOKEN "
        "(or in .env)"
    ]


async def test_a_malformed_token_is_one_clear_line(tmp_path: Path) -> None:
    process = await start_bot(tmp_path, BOT_TOKEN="not-a-token")
    _, err = await asyncio.wait_for(process.communicate(), STOPPING)
    assert process.returncode == 1
    assert "not-a-token" not in err.decode()
    assert err.decode().startswith("codebook: BOT_TOKEN has no colon")


async def test_a_bot_api_server_that_cannot_be_reached_is_one_clear_line(tmp_path: Path) -> None:
    """Named by its address, its password hidden, and what to look at: aiogram's own words
    ("HTTP Client says - ...") and no address before."""
    url = f"http://user:pa55word@127.0.0.1:{free_port()}"  # nothing listens there
    process = await start_bot(
        tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url, ANALYTICS_SECRET="e2e-secret-0123456789"
    )
    _, err = await asyncio.wait_for(process.communicate(), STOPPING)
    assert process.returncode == 1
    [line] = err.decode().splitlines()
    assert "pa55word" not in line and "HTTP Client says" not in line
    assert f"cannot reach the Bot API server at {url.replace('pa55word', '***')}: " in line
    assert line.endswith("(is TELEGRAM_API_URL right?)")


async def start_on(fake: FakeTelegram, folder: Path, **settings: str) -> asyncio.subprocess.Process:
    """A bot of ``fake``'s, its database in ``folder``, with ``settings`` besides."""
    database = str(folder / "bot.sqlite3")
    return await start_bot(
        folder, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.base_url, DATABASE_PATH=database, **settings
    )


def webhook_on(port: int, url: str) -> dict[str, str]:
    """A webhook at ``url`` served on 127.0.0.1:``port``, with the tests' secret."""
    return {
        "WEBHOOK_URL": url,
        "WEBHOOK_SECRET": "s3cret-token",
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }


@pytest.mark.parametrize("setting", ["METRICS_PORT", "WEBHOOK_PORT"])
async def test_a_port_already_taken_is_one_clear_line(tmp_path: Path, setting: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = {
            "METRICS_PORT": {"METRICS_HOST": "127.0.0.1", "METRICS_PORT": str(port)},
            "WEBHOOK_PORT": webhook_on(port, "https://bot.example/tg/hook"),
        }[setting]
        async with FakeTelegram() as fake:
            process = await start_on(fake, tmp_path, **served)
            _, err = await asyncio.wait_for(process.communicate(), STOPPING)
    assert process.returncode == 1
    log = err.decode()
    assert "Traceback" not in log
    assert f"cannot serve: {setting} {port} on 127.0.0.1: " in log


async def test_webhook_mode_checks_the_secret_and_answers(tmp_path: Path) -> None:
    port = free_port()
    async with FakeTelegram() as fake:
        process = await start_on(
            fake, tmp_path, **webhook_on(port, f"http://127.0.0.1:{port}/tg/hook")
        )
        try:
            registered = await fake.wait_for("setWebhook", timeout=STARTING)
            assert registered.params["url"] == f"http://127.0.0.1:{port}/tg/hook"
            assert registered.params["secret_token"] == "s3cret-token"
            update = fake.message("gosms 1004")
            url = f"http://127.0.0.1:{port}/tg/hook"
            async with aiohttp.ClientSession() as http:
                async with http.post(url, json=update) as refused:
                    assert refused.status == 401
                headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
                # With the secret but no update in the body: 400, not a traceback and a 500.
                bodies = (b"not json", b'{"update_id":"abc"}', b"[]", b"\xff", b'{"update_id":1}')
                for body in (*bodies, b"[" * 100_000):
                    async with http.post(url, data=body, headers=headers) as bad:
                        assert (bad.status, await bad.text()) == (400, "not a Telegram update")
                # An update of a kind the bot does not know (Telegram adds kinds) is taken and
                # ignored: answered otherwise, Telegram would send it again and again.
                unknown = b'{"update_id":778,"foo_bar":{}}'
                async with http.post(url, data=unknown, headers=headers) as ignored:
                    assert ignored.status == 200
                async with http.post(url, json=update, headers=headers) as accepted:
                    assert accepted.status == 200
            sent = await fake.wait_for("sendMessage")
            assert sent.params["text"].startswith("<b>GoSMS · 1004")
            assert len(fake.calls("sendMessage")) == 1  # the unsigned update was not handled
            # The same server tells whoever runs the bot how it is doing.
            status, health = await get_json(f"http://127.0.0.1:{port}/healthz")
            assert status == 200 and health["status"] == "ok"
            catalog = load_catalogs(ROOT / "catalogs")[0]
            assert catalog is not None
            assert health["catalogs"] == {"providers": 5, "entries": catalog.entry_count()}
            assert health["database"] == {"writable": True, "recording": True}
            metrics = await get_text(f"http://127.0.0.1:{port}/metrics")
            assert 'codebook_updates_total{kind="message",outcome="found"} 1.0' in metrics
            assert "codebook_update_seconds_count 1.0" in metrics
            assert 'codebook_catalog_entries{provider="gosms"} 28.0' in metrics
            assert "codebook_analytics_healthy 1.0" in metrics
            for secret in (
                TOKEN,
                "s3cret-token",
                "gosms 1004",
                str(update["message"]["from"]["id"]),
            ):
                assert secret not in metrics and secret not in json.dumps(health)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), STOPPING)
        assert process.returncode == 0, err.decode()
        with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM lookups").fetchone() == (1,)
    log = err.decode()
    refused = [line for line in log.splitlines() if "not a Telegram update" in line]
    assert [line.split("update (", 1)[1] for line in refused] == [
        "not JSON: Expecting value at line 1 column 1)",
        "update_id: Input should be a valid integer, unable to parse string as an integer)",
        "the body: Input should be a valid dictionary or instance of Update)",
        "not JSON (UnicodeDecodeError))",
        "no kind of update in it)",
        "not JSON: nested too deep)",
    ]
    assert "Traceback" not in log and " 500 " not in log and "abc" not in log
    # One line an update, the bot's: aiohttp's access line beside it doubled the log.
    assert "aiohttp.access" not in log


async def test_an_unwritable_database_never_stops_the_answers(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # a path under a regular file can never be opened, even by root
    work = tmp_path / "work"  # the bot's working folder, where a spill goes next
    work.mkdir()
    async with FakeTelegram() as fake:
        process = await start_bot(
            work,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=fake.base_url,
            DATABASE_PATH=str(blocker / "bot.sqlite3"),
            ANALYTICS_SECRET="e2e-secret-0123456789",
            METRICS_PORT=str(port := free_port()),
            METRICS_HOST="127.0.0.1",
        )
        try:
            await fake.wait_for("getUpdates", timeout=STARTING)
            fake.push(fake.message("notificore 35"))
            sent = await fake.wait_for("sendMessage")
            assert sent.params["text"].startswith("<b>Notificore · 35")
            status, health = await get_json(f"http://127.0.0.1:{port}/healthz")
            assert status == 503 and health["status"] == "failing"
            assert health["database"] == {"writable": False, "recording": True}
            assert health["lookups_waiting"] == 1
            metrics = await get_text(f"http://127.0.0.1:{port}/metrics")
            assert "codebook_analytics_healthy 0.0" in metrics
            assert "codebook_lookups_queued 1.0" in metrics
            shutil.rmtree(work)  # and the working folder gone from under it too
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), STOPPING)
        log = err.decode()
        # Neither the database nor a spill file beside it or in the working folder can be
        # written: that, and only that, is a stop that loses lookups, and says so with its
        # exit status.
        assert process.returncode == 1, log
        assert "lookup log: cannot write to" in log
        assert "lookup log: 1 lookups lost: neither" in log and "not-a-folder" in log


async def test_a_broken_analytics_key_turns_analytics_off_not_the_bot(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "analytics.key"
    key.parent.mkdir()
    key.write_text("")  # what a full disk left behind
    async with FakeTelegram() as fake:
        process = await start_bot(
            tmp_path,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=fake.base_url,
            DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
            ANALYTICS_KEY_FILE=str(key),
            METRICS_PORT=str(port := free_port()),
            METRICS_HOST="127.0.0.1",
        )
        try:
            await fake.wait_for("getUpdates", timeout=STARTING)
            for number in range(3):
                fake.push(fake.message("gosms 1004", user_id=7000 + number))
            await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 7002)
            status, health = await get_json(f"http://127.0.0.1:{port}/healthz")
            assert status == 503 and health["database"]["recording"] is False
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), STOPPING)
    log = err.decode()
    assert process.returncode == 0, log
    assert log.count("analytics off") == 1 and "is empty" in log
    assert key.read_text() == ""  # never replaced: the old pseudonyms may need it


async def get_json(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def get_text(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        return await response.text()


def lookups_in(database: Path) -> int:
    """Lookups written so far (0 while the file cannot be read)."""
    try:
        with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT count(*) FROM lookups").fetchone()[0])
    except sqlite3.Error:
        return 0


def make_immutable(*paths: Path, on: bool = True) -> bool:
    """chattr +i (or -i): read-only even for root, who ignores file modes. False if refused."""
    result = subprocess.run(
        ["chattr", "+i" if on else "-i", *map(str, paths)], capture_output=True, check=False
    )
    return result.returncode == 0


async def test_a_read_only_database_then_back(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    database = folder / "bot.sqlite3"
    assert await open_store(database).migrate() == [m.name for m in migrations()]
    if not make_immutable(database, folder):
        pytest.skip("chattr +i is not available here (not root, or the filesystem lacks it)")
    try:
        async with FakeTelegram() as fake:
            process = await start_bot(
                tmp_path,
                BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=fake.base_url,
                DATABASE_PATH=str(database),
                ANALYTICS_SECRET="e2e-secret-0123456789",
            )
            try:
                await fake.wait_for("getUpdates", timeout=STARTING)
                for number in range(3):
                    fake.push(fake.message("gosms 1004", user_id=4000 + number))
                await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 4002)
                assert make_immutable(database, folder, on=False)  # the database is back
                async with asyncio.timeout(60):  # the writer retries with backoff
                    while lookups_in(database) < 3:  # noqa: ASYNC110 - another process writes it
                        await asyncio.sleep(0.1)
            finally:
                process.send_signal(signal.SIGTERM)
                _, err = await asyncio.wait_for(process.communicate(), STOPPING)
    finally:
        make_immutable(database, folder, on=False)
    log = err.decode()
    assert process.returncode == 0, log
    assert "lookup log: cannot write to" in log and "lookup log: writing to" in log
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM lookups").fetchone() == (3,)
