"""`python -m bot doctor` against the fake Bot API server: every check passes on a sound
deployment, and each broken thing is one ✗ line with its fix."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import socket
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.cli import checks
from bot.cli import doctor as doctor_module
from bot.core.catalog_files import load_catalogs
from bot.store import open_store
from tests.support.doctor import deployment, doctor, line_about
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.processes import STARTING, free_port, start_bot
from tests.support.services import outage

__all__ = ["deployment"]  # the fixture, shared (tests/support/doctor.py)

ROOT = Path(__file__).resolve().parents[1]


async def test_a_sound_deployment_passes_every_check(deployment: dict[str, str]) -> None:
    await open_store(Path(deployment["DATABASE_PATH"])).migrate()
    status, lines = await doctor()
    assert status == 0, lines
    assert [line[0] for line in lines] == ["✓"] * 7
    assert "valid (long polling)" in line_about(lines, "settings")
    loaded = load_catalogs(ROOT / "catalogs")[0]
    assert loaded is not None
    gosms = len(loaded.providers["gosms"].entries)
    assert f"{loaded.entry_count()} entries" in line_about(lines, "catalogs")
    assert f"GoSMS {gosms}" in line_about(lines, "catalogs")
    assert "writable, at schema version" in line_about(lines, "database")
    assert "the bot makes" in line_about(lines, "analytics key")
    assert "@codebook_test_bot" in line_about(lines, "Bot API")
    assert line_about(lines, "inline mode").startswith("✓ inline mode: on")
    assert "none registered" in line_about(lines, "webhook")
    assert TOKEN not in "\n".join(lines)


async def test_a_fresh_database_and_key_are_fine_and_nothing_is_made(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    status, lines = await doctor()
    assert status == 0, lines
    assert "not made yet" in line_about(lines, "database")
    assert sorted(os.listdir(tmp_path)) == []  # doctor changes nothing


async def test_a_refused_token(deployment: dict[str, str], fake: FakeTelegram) -> None:
    fake.token = "999:SomebodyElsesTokenSomebodyElses00"
    status, lines = await doctor()
    assert status == 1
    assert line_about(lines, "Bot API").startswith(f"✗ Bot API: {fake.base_url} refused the token")
    assert "@BotFather" in "\n".join(lines)


async def test_inline_mode_off_says_how_to_turn_it_on(
    deployment: dict[str, str], fake: FakeTelegram
) -> None:
    fake.supports_inline = False
    status, lines = await doctor()
    assert status == 1
    assert line_about(lines, "inline mode").startswith("✗ inline mode: off")
    assert "/setinline" in "\n".join(lines)


async def test_a_webhook_left_registered_while_polling(
    deployment: dict[str, str], fake: FakeTelegram
) -> None:
    fake.webhook_url = "https://old.example.org/hook"
    status, lines = await doctor()
    assert status == 1
    assert "delivers to https://old.example.org/hook, but this bot is set for long polling" in (
        line_about(lines, "webhook")
    )


async def test_the_webhook_registered_against_the_one_configured(
    deployment: dict[str, str], fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/tg")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    _, lines = await doctor()
    assert "not registered yet" in line_about(lines, "webhook")
    fake.webhook_url = "https://bot.example.org/tg"
    _, lines = await doctor()
    assert line_about(lines, "webhook").startswith("✓ webhook: https://bot.example.org/tg (0 ")
    fake.webhook_error = (int(time.time()) - 120, "Connection refused")
    status, lines = await doctor()
    assert status == 1
    assert "the last delivery failed 2 min ago: Connection refused" in line_about(lines, "webhook")
    fake.webhook_url = "https://elsewhere.example.org/tg"
    fake.webhook_error = None
    _, lines = await doctor()
    assert "not https://bot.example.org/tg" in line_about(lines, "webhook")


async def test_the_token_and_url_passwords_are_masked_as_the_log_masks_them(
    deployment: dict[str, str], fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = f"https://hook-user:hook-pass-123@bot.example.org/tg/{TOKEN}"
    api = fake.base_url.replace("://", "://api-user:api-pass-456@")
    monkeypatch.setenv("WEBHOOK_URL", hook)
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("TELEGRAM_API_URL", api)
    fake.webhook_url = hook.replace("bot.example.org", "elsewhere.example.org")
    fake.webhook_error = (int(time.time()) - 120, f"Wrong response from {hook}")
    status, lines = await doctor()
    out = "\n".join(lines)
    assert status == 1 and TOKEN not in out
    assert "hook-pass-123" not in out and "api-pass-456" not in out
    masked = "hook-user:***@bot.example.org/tg/<redacted>"
    assert f"valid (webhook at https://{masked})" in line_about(lines, "settings")
    assert f"at {api.replace('api-pass-456', '***')}" in line_about(lines, "Bot API")
    assert f"Wrong response from https://{masked}" in line_about(lines, "webhook")


async def test_the_secret_part_alone_and_what_telegram_has_registered_are_masked(
    deployment: dict[str, str], fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_part = TOKEN.partition(":")[2]
    monkeypatch.setenv("WEBHOOK_URL", f"https://bot.example.org/{secret_part}")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    fake.webhook_url = "https://someone:RegisteredPW@old.example.org/hook?token=QueryTokenPW"
    _, lines = await doctor()
    out = "\n".join(lines)
    assert secret_part not in out and "RegisteredPW" not in out and "QueryTokenPW" not in out
    assert "webhook at https://bot.example.org/<redacted>" in line_about(lines, "settings")
    assert "https://someone:***@old.example.org/hook?token=***" in line_about(lines, "webhook")


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        (
            "DATABASE_URL",
            "postgresql://127.0.0.1:1/db?user=u&password=QuerySecretPW",
            "QuerySecretPW",
        ),
        ("REDIS_URL", "redis://127.0.0.1:1/0?password=RedisQueryPW", "RedisQueryPW"),
    ],
)
async def test_a_password_in_a_url_query_is_not_printed(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch, name: str, value: str, secret: str
) -> None:
    monkeypatch.setenv(name, value)
    status, lines = await doctor()
    assert status == 1
    assert secret not in "\n".join(lines)
    what = "database" if name == "DATABASE_URL" else "Redis"
    assert f"cannot reach {value.replace(secret, '***')}: " in line_about(lines, what)


@pytest.mark.parametrize(
    "value",
    [
        "postgresql://u:p@ss:w0rd!#@127.0.0.1:1/db",
        "postgresql://u:p@ss@127.0.0.1:1/db",
        "host=127.0.0.1 password=KVSecretPW dbname=x",
    ],
)
async def test_a_database_url_that_does_not_parse_is_one_settings_line(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", value)
    status, lines = await doctor()
    out = "\n".join(lines)
    assert status == 1 and "Traceback" not in out
    for part in ("p@ss", "ss:w0rd", "w0rd!", "KVSecretPW"):
        assert part not in out
    assert line_about(lines, "settings").startswith("✗ settings: DATABASE_URL: ")
    # Not the SQLite file of DATABASE_PATH, which no one asked for (it was checked: an attack).
    assert line_about(lines, "database") == (
        "✗ database: not checked\n    → fix DATABASE_URL above first"
    )


async def test_a_server_that_never_answers_is_given_up_in_time(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers; done when the client gives up and hangs up
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("TELEGRAM_API_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setattr(checks, "API_TIMEOUT", 1.0)  # the doctor's own 10 s, shortened
    try:
        async with asyncio.timeout(30):  # (aiogram alone would wait its 60 s)
            status, lines = await doctor()
    finally:
        server.close()
        await server.wait_closed()
    assert status == 1
    assert line_about(lines, "Bot API").startswith(
        f"✗ Bot API: cannot reach http://127.0.0.1:{port}: no answer within 1 s"
    )  # (as the bot says it, where aiogram's "Request timeout error" named no time)


async def test_broken_catalogs_are_named_by_file_and_line(
    deployment: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "acme.yaml").write_text("provider: [unclosed\n")
    monkeypatch.setenv("CATALOGS_DIR", str(tmp_path / "catalogs"))
    status, lines = await doctor()
    assert status == 1
    assert "acme.yaml:1: broken YAML" in line_about(lines, "catalogs")
    assert "python -m bot check" in "\n".join(lines)


async def test_a_database_behind_or_ahead_of_the_code(deployment: dict[str, str]) -> None:
    path = Path(deployment["DATABASE_PATH"])
    await open_store(path).migrate()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("DELETE FROM schema_migrations WHERE version > 1")
    status, lines = await doctor()
    assert status == 1
    assert "at schema 1, not" in line_about(lines, "database")
    assert "python -m bot migrate" in "\n".join(lines)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("INSERT INTO schema_migrations VALUES (99, 'future', 0)")
    _, lines = await doctor()
    assert "at schema 99, newer than" in line_about(lines, "database")


async def test_a_database_path_that_cannot_be_a_file(
    deployment: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "taken").write_text("a file, where a folder should be")
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "taken" / "bot.sqlite3"))
    status, lines = await doctor()
    assert status == 1
    assert line_about(lines, "database").startswith("✗ database: cannot make")


@pytest.mark.parametrize("folder", ["/proc", "/proc/self"])
async def test_a_database_path_where_no_file_can_be_made_whatever_the_permissions(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    """/proc passed as "not made yet" (root may write there by its permissions; an attack)."""
    monkeypatch.setenv("DATABASE_PATH", f"{folder}/codebook/bot.sqlite3")
    monkeypatch.setenv("ANALYTICS_KEY_FILE", f"{folder}/codebook-key/analytics.key")
    monkeypatch.delenv("ANALYTICS_SECRET", raising=False)
    status, lines = await doctor()
    assert status == 1
    assert line_about(lines, "database").startswith("✗ database: cannot make")
    assert line_about(lines, "analytics key").startswith(
        f"✗ analytics key: cannot make {folder}/codebook-key/analytics.key"
    )


async def test_a_broken_or_misplaced_analytics_key(
    deployment: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Path(deployment["ANALYTICS_KEY_FILE"])
    key.parent.mkdir()
    key.write_text("")
    status, lines = await doctor()
    assert status == 1 and "is empty" in line_about(lines, "analytics key")
    key.write_text("ab" * 32 + "\n")
    key.chmod(0o644)
    _, lines = await doctor()
    assert "can be read by others" in line_about(lines, "analytics key")
    beside = tmp_path / "data" / "analytics.key"
    beside.parent.mkdir()
    monkeypatch.setenv("ANALYTICS_KEY_FILE", str(beside))
    _, lines = await doctor()  # before the first start too (it passed: found by an attack)
    assert "lies beside the database" in line_about(lines, "analytics key")
    beside.write_text("ab" * 32 + "\n")
    beside.chmod(0o600)
    monkeypatch.setenv("ANALYTICS_KEY_FILE", str(beside))
    _, lines = await doctor()
    assert "lies beside the database" in line_about(lines, "analytics key")
    monkeypatch.setenv("ANALYTICS_SECRET", "short")
    _, lines = await doctor()
    assert "shorter than 16 characters" in line_about(lines, "analytics key")


async def test_without_a_token_the_rest_is_still_checked(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_TOKEN")
    status, lines = await doctor()
    assert status == 1
    assert line_about(lines, "settings").startswith("✗ settings: BOT_TOKEN is not set")
    assert line_about(lines, "catalogs").startswith("✓")
    assert (
        line_about(lines, "Bot API") == "✗ Bot API: not checked\n    → fix the settings above first"
    )


async def test_the_command_exits_1_and_prints_each_line(
    deployment: dict[str, str],
    fake: FakeTelegram,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.supports_inline = False  # (every check's ✓ and ✗ are proved in process, above)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    # The command line's own main, in a thread of its own (it runs its own event loop) while
    # this one serves the fake: `python -m bot` is main() and sys.exit, run as a process by
    # test_cli and test_shipping.
    status = await asyncio.to_thread(main, ["doctor"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert status == 1
    assert [line[0] for line in lines if line[:1] in "✓✗"] == ["✓"] * 5 + ["✗", "✓"]
    assert "✗ inline mode: off" in out


async def test_a_database_of_another_program_is_not_said_empty(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    """A database with a lookups table of another program's and no migration recorded was
    "empty: the bot makes its tables", and the bot's first migration then failed on it (an
    attack); another program's other tables beside Codebook's are no matter."""
    import asyncpg

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    db = await asyncpg.connect(postgres_url)
    try:  # another program's tables alone: not "empty" (a third attack), and no ✗
        await db.execute("CREATE TABLE customers (id int)")
        _, lines = await doctor()
        assert line_about(lines, "database").endswith(
            "holds no tables of Codebook's yet, only others': the bot makes its own when it starts"
        )
        await db.execute("CREATE SEQUENCE lookups")  # (any relation of the name: a 4th attack)
    finally:
        await db.close()
    status, lines = await doctor()
    assert status == 1
    assert line_about(lines, "database").endswith(
        "has tables named as Codebook's (lookups) that it did not make\n"
        "    → set DATABASE_URL to a database of Codebook's own"
    )
    monkeypatch.delenv("DATABASE_URL")
    Path(deployment["DATABASE_PATH"]).parent.mkdir()
    with closing(sqlite3.connect(deployment["DATABASE_PATH"])) as file:
        file.execute("CREATE TABLE votes (x)")
        file.execute("CREATE TABLE notes (x)")
    _, lines = await doctor()
    assert "has tables named as Codebook's (votes) that it did not make" in line_about(
        lines, "database"
    )


async def test_a_nearly_full_disk_and_a_spill_file_that_cannot_be_made_are_named(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    """A full disk was "writable" (the write lock needs no room), and with PostgreSQL the spill
    file's folder was never looked at, so a stop with the database away lost its lookups (an
    attack). (The disk's room is the one thing faked: the machine's is what it is.)"""
    from bot.store import sqlite_schema

    room = shutil.disk_usage("/")._replace(free=3_000_000)
    monkeypatch.setattr(sqlite_schema.shutil, "disk_usage", lambda _: room)
    _, lines = await doctor()
    assert line_about(lines, "database") == (
        f"✗ database: {deployment['DATABASE_PATH']}: 3.0 MB free on its disk\n"
        "    → free some room: on a full disk the lookups are not written"
    )
    monkeypatch.undo()
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DATABASE_PATH", "/proc/codebook/bot.sqlite3")
    status, lines = await doctor()
    assert status == 1
    assert line_about(lines, "spill file").startswith(
        "✗ spill file: cannot make /proc/codebook/lookups.pending"
    )
    folder = Path(deployment["DATABASE_PATH"]).with_name("lookups.pending")
    folder.mkdir(parents=True)  # (passed as "can be written": a third attack)
    monkeypatch.setenv("DATABASE_PATH", deployment["DATABASE_PATH"])
    _, lines = await doctor()
    assert line_about(lines, "spill file").startswith(f"✗ spill file: {folder} is a folder")
    folder.rmdir()
    os.mkfifo(folder)  # (a FIFO passed, and held the start reading it: a fourth attack)
    _, lines = await doctor()
    assert line_about(lines, "spill file").startswith(f"✗ spill file: {folder} is no regular file")


async def test_replicas_dependencies_are_checked_and_each_failure_named(
    deployment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    postgres_url: str,
    redis_url: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    status, lines = await doctor()
    assert status == 0, lines
    assert "empty: the bot makes its tables" in line_about(lines, "database")
    assert "kept in the database" in line_about(lines, "analytics key")
    assert line_about(lines, "Redis").startswith("✓ Redis: redis://")

    import asyncpg

    from bot.store.postgres import PostgresStore

    store = PostgresStore(postgres_url, Path(deployment["DATABASE_PATH"]))
    await store.open()  # migrated, as a replica leaves it
    await store.close()
    _, lines = await doctor()
    assert "writable (PostgreSQL " in line_about(lines, "database")
    db = await asyncpg.connect(postgres_url)
    try:  # as the server says it ("15.20"), not "15.0" (asyncpg's minor: an attack)
        said = str(await db.fetchval("SHOW server_version")).split()[0]
    finally:
        await db.close()
    assert f"writable (PostgreSQL {said})" in line_about(lines, "database")

    async with outage(postgres_url) as postgres, outage(redis_url) as redis:
        monkeypatch.setenv("DATABASE_URL", postgres.url)
        monkeypatch.setenv("REDIS_URL", redis.url)
        await redis.cut()
        status, lines = await doctor()
        assert status == 1
        assert line_about(lines, "database").startswith("✓")  # only Redis is down
        assert line_about(lines, "Redis").startswith(f"✗ Redis: cannot reach {redis.url}")
        await postgres.cut()
        _, lines = await doctor()
        assert line_about(lines, "database").startswith("✗ database: cannot reach ")
        assert "check DATABASE_URL" in "\n".join(lines)
        # The key is in the database that cannot be reached: not known to be sound.
        assert line_about(lines, "analytics key") == (
            "✗ analytics key: not checked\n    → fix the database above: the key is read from it"
        )


async def test_an_env_line_that_cannot_be_read_is_the_settings_problem(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BOT_TOKEN")
    (tmp_path / ".env").write_text(f'BOT_TOKEN="{TOKEN}\n')  # an unclosed quote
    status, lines = await doctor()
    out = "\n".join(lines)
    assert status == 1 and TOKEN not in out and "is not set" not in out
    assert line_about(lines, "settings").startswith("✗ settings: .env line 1 (BOT_TOKEN) cannot ")


async def test_an_env_file_that_is_a_folder_is_the_settings_problem_with_its_own_fix(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    """Doctor said all was well with a .env that is a folder (found by an attack, 2026-12-07);
    the line says what to do with the file, not "set it in .env"."""
    (tmp_path / ".env").mkdir()
    status, lines = await doctor()
    said = line_about(lines, "settings")
    assert status == 1
    assert said == (
        "✗ settings: .env cannot be read (Is a directory), so it is not used: the settings are "
        "the environment's alone"
    )


# --- the port the bot will serve on -----------------------------------------------------------


async def test_a_free_port_to_serve_metrics_on_passes(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("METRICS_PORT", str(port))
    monkeypatch.setenv("METRICS_HOST", "127.0.0.1")
    status, lines = await doctor()
    assert status == 0, lines
    assert line_about(lines, "port") == f"✓ port: METRICS_PORT {port} on 127.0.0.1: free"


async def test_a_port_another_program_holds_is_named_with_its_fix(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as held:  # bound, not listening: what asks there is refused at once
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        monkeypatch.setenv("METRICS_PORT", str(port))
        status, lines = await doctor()
    assert status == 1
    said = line_about(lines, "port")
    assert said.startswith(f"✗ port: METRICS_PORT {port} on 0.0.0.0: Address already in use\n")
    assert "→ stop what holds it, or set METRICS_PORT to a free port" in "\n".join(lines)


@pytest.mark.parametrize("answer", ["a redirect to a Codebook", "deep JSON", "text"])
async def test_a_port_held_by_what_is_not_a_codebook_fails_whatever_it_answers(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    from aiohttp import web

    healthz = {"status": "ok", "catalogs": {"providers": 5, "entries": 295}}

    async def codebook_healthz(_: web.Request) -> web.StreamResponse:
        return web.json_response(healthz)

    codebook = web.Application()
    codebook.router.add_get("/healthz", codebook_healthz)
    other = web.Application()

    async def respond(_: web.Request) -> web.StreamResponse:
        if answer == "a redirect to a Codebook":
            raise web.HTTPFound(f"{codebook_url}/healthz")
        if answer == "deep JSON":
            return web.json_response(text="[" * 100_000 + "]" * 100_000)
        return web.Response(text="ok")

    other.router.add_get("/healthz", respond)
    runners = [web.AppRunner(app) for app in (codebook, other)]
    try:
        ports = []
        for runner in runners:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        codebook_url = f"http://127.0.0.1:{ports[0]}"
        monkeypatch.setenv("METRICS_PORT", str(ports[1]))
        monkeypatch.setenv("METRICS_HOST", "127.0.0.1")
        status, lines = await doctor()
    finally:
        for runner in runners:
            await runner.cleanup()
    assert status == 1
    said = line_about(lines, "port")
    assert said.startswith(f"✗ port: METRICS_PORT {ports[1]} on 127.0.0.1: Address already in use")


async def test_a_webhook_host_that_is_not_this_machines(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/tg")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("WEBHOOK_HOST", "192.0.2.1")  # TEST-NET-1: no machine's address
    monkeypatch.setenv("WEBHOOK_PORT", str(free_port()))
    status, lines = await doctor()
    assert status == 1
    said = line_about(lines, "port")
    assert said.startswith("✗ port: WEBHOOK_PORT "), said
    assert " on 192.0.2.1: Cannot assign requested address\n" in said
    assert "→ set WEBHOOK_HOST to an address of this machine" in "\n".join(lines)


async def test_a_port_only_root_may_serve_on(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """(The tests may run as root, who may bind any port: the refusal is made here.)"""

    async def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(asyncio.get_running_loop().__class__, "create_server", refused)
    monkeypatch.setenv("METRICS_PORT", "80")
    status, lines = await doctor()
    assert status == 1
    said = line_about(lines, "port")
    assert said.startswith("✗ port: METRICS_PORT 80 on 0.0.0.0: Permission denied\n")
    fix = "→ a port below 1024 needs root or CAP_NET_BIND_SERVICE: set METRICS_PORT above it"
    assert said.endswith(fix)


async def test_the_port_of_a_codebook_running_already_passes(
    deployment: dict[str, str], fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Doctor run beside the live bot: the port is taken, by the bot itself (its /healthz)."""
    port = free_port()
    folder = tmp_path / "running"
    folder.mkdir()
    bot = await start_bot(
        folder,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake.base_url,
        DATABASE_PATH=str(folder / "bot.sqlite3"),
        METRICS_PORT=str(port),
        METRICS_HOST="127.0.0.1",
    )
    try:
        await fake.wait_for("getUpdates", timeout=STARTING)
        monkeypatch.setenv("METRICS_PORT", str(port))
        monkeypatch.setenv("METRICS_HOST", "127.0.0.1")
        status, lines = await doctor()
    finally:
        bot.terminate()
        await bot.wait()
    assert status == 0, lines
    said = line_about(lines, "port")
    running = "served by a running Codebook (/healthz)"
    assert said == f"✓ port: METRICS_PORT {port} on 127.0.0.1: {running}"


async def _error_pages(echo: str) -> tuple[object, str]:
    """A web server that answers every request with an error page repeating its path (a proxy,
    or TELEGRAM_API_URL pointing at a site): ``echo`` 'html' (404, a page) or 'json' (400, the
    Bot API's form of an error)."""
    from aiohttp import web

    async def page(request: web.Request) -> web.StreamResponse:
        if echo == "json":
            description = f"Bad Request: no such method {request.path}"
            return web.json_response({"ok": False, "error_code": 400, "description": description})
        return web.Response(status=404, text=f"<html>Not found: {request.path}</html>")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.mark.parametrize("echo", ["html", "json"])
async def test_an_error_page_that_repeats_the_path_shows_no_token_and_no_traceback(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, echo: str
) -> None:
    """Found by an attack (2026-12-07): an error page echoing the request's path at start-up
    ended the bot with Python's own traceback, which no log filter reads, the token in it; doctor
    printed one too."""
    runner, url = await _error_pages(echo)
    try:
        monkeypatch.setenv("TELEGRAM_API_URL", url)
        status, lines = await doctor()
        assert status == 1
        said_by_doctor = line_about(lines, "Bot API").split("\n    → ")[0]  # without its fix
        assert said_by_doctor.startswith(f"✗ Bot API: {url} answered")
        if echo == "html":  # in one line that shows how the page begins (aiogram's three lines)
            assert "\n" not in said_by_doctor
            assert (
                "answered what is no Bot API reply: not JSON, beginning “<html>" in said_by_doctor
            )
        bot = await start_bot(tmp_path, **{**deployment, "TELEGRAM_API_URL": url})
        _, err = await asyncio.wait_for(bot.communicate(), STARTING)
    finally:
        await runner.cleanup()  # type: ignore[attr-defined]
    said = err.decode()
    assert bot.returncode == 1, said
    assert "Traceback" not in said and "Caused from error" not in said
    assert len([line for line in said.splitlines() if " ERROR " in line]) == 1, said
    secret = TOKEN.partition(":")[2]
    assert secret not in said and secret not in "\n".join(lines)


async def test_a_misspelt_setting_and_a_webhook_telegram_will_not_call_are_named(
    deployment: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """DATABSE_URL, REDIS_URI: ignored without a word, the bot ran on SQLite; an http webhook
    or one on port 8080 passed, which Telegram's Bot API never calls (found by an attack,
    2026-12-07)."""
    monkeypatch.setenv("REDIS_URI", "redis://127.0.0.1:6379/0")
    (tmp_path / ".env").write_text("DATABSE_URL=postgresql://postgres@127.0.0.1/test\n")
    status, lines = await doctor()
    assert status == 1
    slips = [line for line in lines if "is no setting" in line]
    assert slips == [
        "✗ settings: DATABSE_URL is no setting of Codebook's\n    → rename it DATABASE_URL",
        "✗ settings: REDIS_URI is no setting of Codebook's\n    → rename it REDIS_URL",
    ]
    (tmp_path / ".env").unlink()
    monkeypatch.delenv("REDIS_URI")
    assert (await doctor())[0] == 0  # the names alone were wrong
    monkeypatch.setenv("log_level", "INFO")  # read, whatever its case: no slip (second attack)
    assert (await doctor())[0] == 0
    monkeypatch.delenv("log_level")
    monkeypatch.setenv("WEBHOOK_URL", "http://bot.example.org:8080/hook")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("WEBHOOK_PORT", str(free_port()))
    monkeypatch.delenv("TELEGRAM_API_URL")  # Telegram's own Bot API: its rules...

    async def not_asked(settings: object) -> list[checks.Line]:
        return []  # ...which this test does not call

    monkeypatch.setattr(doctor_module, "check_telegram", not_asked)
    status, lines = await doctor()
    assert any("Telegram delivers webhooks to no http://bot.example.org:8080/hook" in line
               for line in lines)  # fmt: skip
