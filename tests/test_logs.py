"""Secrets stay out of the logs: the token, and the password in every URL setting, hidden by
where they stand (a URL's userinfo and query, a key=value DSN) and as whole tokens, never as a
short substring anywhere in the text."""

from __future__ import annotations

import logging
import sys
import weakref
from pathlib import Path

import pytest

from bot.logs import Redact, configure, redact, secrets_of, without_password
from bot.settings import SettingsError, load_settings
from bot.settings.urls import mask_urls, url_secrets

TOKEN = "123456:" + "A" * 35


def test_urls_are_shown_without_their_password() -> None:
    url = "postgresql://codebook:s3cret-pass@db.internal:5432/codebook"
    assert without_password(url) == "postgresql://codebook:***@db.internal:5432/codebook"
    assert without_password("redis://:s3cret-pass@cache:6379/0") == "redis://:***@cache:6379/0"
    assert without_password("redis://cache:6379/0") == "redis://cache:6379/0"
    assert url_secrets(url) == ["s3cret-pass"] and url_secrets("redis://cache") == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://127.0.0.1:1/db?user=u&password=QuerySecretPW",
            "postgresql://127.0.0.1:1/db?user=u&password=***",
        ),
        (
            "redis://127.0.0.1:1/0?password=RedisQueryPW&db=2",
            "redis://127.0.0.1:1/0?password=***&db=2",
        ),
        ("postgresql://u:p%40ss%23w0rd@h/db", "postgresql://u:***@h/db"),
        ("https://hook:p@ss/word@bot.example.org/tg", "https://hook:***@bot.example.org/tg"),
    ],
)
def test_a_password_in_a_query_or_with_odd_characters_is_masked(url: str, shown: str) -> None:
    assert without_password(url) == shown
    assert redact(f"cannot reach {url}: refused", []) == f"cannot reach {shown}: refused"


def test_a_key_value_dsn_password_is_masked() -> None:
    text = "connecting to host=127.0.0.1 password=KVSecretPW dbname=x"
    assert redact(text, []) == "connecting to host=127.0.0.1 password=*** dbname=x"
    assert redact("password = 'two words' port=5", []) == "password = *** port=5"


def test_a_short_secret_is_redacted_only_where_it_stands_whole() -> None:
    assert redact("long polling, p went in", ["p"]) == "long polling, <redacted> went in"
    # The password is the user's name too: the scheme keeps its letters, the name is hidden.
    url = "postgresql://postgres:postgres@127.0.0.1:5432/db"
    assert redact(f"cannot reach {url}", ["postgres"]) == (
        "cannot reach postgresql://<redacted>:***@127.0.0.1:5432/db"
    )


def test_a_bot_token_and_its_secret_part_alone_are_redacted() -> None:
    secret = TOKEN.partition(":")[2]
    assert redact(f"webhook serving on 0.0.0.0:8080/{secret}", [secret]) == (
        "webhook serving on 0.0.0.0:8080/<redacted>"
    )
    # Any bot's token, in a Bot API path or alone, even one the settings do not hold.
    other = "987654321:" + "b" * 35
    assert redact(f"GET https://api.telegram.org/bot{other}/getMe and {other}", []) == (
        "GET https://api.telegram.org/bot<redacted>/getMe and <redacted>"
    )


def test_each_secret_is_redacted_from_messages_and_tracebacks() -> None:
    record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "to %s", ("s3cret-pass",), None)
    try:
        raise OSError("cannot reach postgresql://codebook:s3cret-pass@db and s3cret-pass")
    except OSError:
        import sys

        record.exc_info = sys.exc_info()
    Redact(["s3cret-pass", ""]).filter(record)
    assert record.getMessage() == "to <redacted>"
    assert record.exc_text is not None and "codebook:***@db and <redacted>" in record.exc_text
    assert "s3cret-pass" not in record.exc_text


def test_the_secrets_are_the_tokens_the_secrets_and_every_urls_password() -> None:
    settings = load_settings(
        bot_token=TOKEN,
        database_url="postgresql://codebook:db-pass@db/codebook?sslpassword=ssl-pass",
        redis_url="redis://:redis-pass@cache:6379/0",
        webhook_url=f"https://hook:hook-pass@bot.example.org/{TOKEN.partition(':')[2]}",
        webhook_secret="s3cret",
        telegram_api_url="http://api:api%40pass@127.0.0.1:8081",
        analytics_secret="k" * 32,
    )
    assert set(secrets_of(settings)) == {
        TOKEN, TOKEN.partition(":")[2], "s3cret", "k" * 32, "db-pass", "ssl-pass",
        "redis-pass", "hook-pass", "api%40pass", "api@pass",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("database_url", "postgresql://u:p@ss:w0rd!#@127.0.0.1:1/db", "has a # (the URL"),
        ("database_url", "postgresql://u:p@ss@127.0.0.1:1/db", "has more than one @"),
        ("database_url", "postgresql://u:pw@127.0.0.1:5432x/db", "has a port that is not"),
        ("database_url", "postgresql://u:pw@h/db?sslmode", "does not parse as a URL"),
        ("database_url", "host=127.0.0.1 password=KVSecretPW dbname=x", "use postgresql://"),
        ("redis_url", "redis://:pw@cache:63x9/0", "has a port that is not"),
        ("webhook_url", "https://bot.example.org:443x/hook", "has a port that is not"),
        ("telegram_api_url", "http://:8081", "has no host"),
        ("telegram_api_url", "api.telegram.org", "use http://host:port"),
    ],
)
def test_a_url_that_does_not_parse_is_one_settings_line_without_its_value(
    name: str, value: str, problem: str
) -> None:
    extra = {"webhook_secret": "s3cret"} if name == "webhook_url" else {}
    with pytest.raises(SettingsError) as raised:
        load_settings(require_token=False, **{name: value}, **extra)
    (line,) = raised.value.lines
    assert line.startswith(f"{name.upper()}: {problem}")
    for part in ("p@ss", "w0rd", "pw", "KVSecretPW", "63x9", "443x", "example"):
        assert part not in line


def test_the_shape_a_url_setting_is_told_to_take_survives_the_masks() -> None:
    """doctor said "use postgresql://user:***@host:port/database" (an attack)."""
    with pytest.raises(SettingsError) as raised:
        load_settings(require_token=False, database_url="mysql://u:p@h/db")
    (line,) = raised.value.lines
    assert mask_urls(line) == line
    assert "<user>:<password>@<host>" in line


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("database_url", "postgresql://u:p%40ss%23w0rd@h1:5432,h2:5433/db?sslmode=require"),
        ("database_url", "postgres://u@[::1]:5432/db"),
        ("database_url", "postgresql:///db?host=/var/run/postgresql"),
        ("redis_url", "unix:///run/redis.sock?db=1"),
        ("redis_url", "rediss://:pw@cache:6380/0"),
        ("telegram_api_url", "http://127.0.0.1:8081"),
    ],
)
def test_urls_the_libraries_read_are_accepted(name: str, value: str) -> None:
    settings = load_settings(require_token=False, **{name: value})
    got = getattr(settings, name)
    assert (got.get_secret_value() if hasattr(got, "get_secret_value") else got) == value


@pytest.mark.parametrize(
    "shape",
    [
        "{token}",
        "https://api.telegram.org/bot{token}/getMe",
        "GET /bot{quoted}/getUpdates",
        "token={quoted}",
        "{{'token': '{token}'}}",
        "x{token}y",
        "webhook at https://bot.example.org/hook{secret}",
    ],
)
def test_the_token_never_reaches_a_log_line_in_any_shape(
    shape: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Written as it is, in a URL, percent-encoded, inside a longer word: never in the log."""
    from urllib.parse import quote

    from bot.logs import configure

    settings = load_settings(bot_token=TOKEN)
    secret = TOKEN.partition(":")[2]
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure("INFO", secrets_of(settings))
    text = shape.format(token=TOKEN, quoted=quote(TOKEN, safe=""), secret=secret)
    try:
        logging.getLogger("bot.test").info("said: %s", text)
        try:
            raise RuntimeError(text)
        except RuntimeError:
            logging.getLogger("bot.test").exception("failed")
    finally:
        root.handlers[:], root.level = handlers, level
    logged = capsys.readouterr().err
    assert "said: " in logged and "RuntimeError" in logged
    assert secret not in logged and quote(secret, safe="") not in logged


class Writes:
    """A stream that keeps each write apart."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    @property
    def lines(self) -> list[str]:
        return "".join(self.writes).splitlines()


def loop_stream() -> tuple[logging.Logger, Writes]:
    """A logger of its own, held as the line per update is, on a LoopStream over a
    ``Writes``."""
    from bot.logs import LoopStream

    stream = Writes()
    name = f"bot.test.loop{id(stream)}"
    handler = LoopStream(stream, held=[name])  # type: ignore[arg-type]  # (write, flush)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(name)
    logger.handlers[:], logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    return logger, stream


async def test_the_lines_of_one_step_of_the_loop_are_written_together_after_it() -> None:
    """Each update's line was a write of its own; the loop's lines now wait for the end of
    the step that made them and go in one write, in order."""
    import asyncio

    logger, stream = loop_stream()
    for number in range(3):
        logger.info("update %s", number)
    assert stream.writes == []  # not yet: the step is not over
    await asyncio.sleep(0)
    assert stream.writes == ["INFO update 0\nINFO update 1\nINFO update 2\n"]
    logger.info("update 3")
    await asyncio.sleep(0)
    assert stream.lines[-1] == "INFO update 3" and len(stream.writes) == 2


async def test_a_warning_is_written_at_once_after_the_lines_that_wait() -> None:
    logger, stream = loop_stream()
    logger.info("update 1")
    logger.warning("the database is gone")
    assert stream.lines == ["INFO update 1", "WARNING the database is gone"]
    await asyncio_step()
    assert stream.lines == ["INFO update 1", "WARNING the database is gone"]  # once each


async def test_a_line_from_another_thread_is_written_at_once_in_order() -> None:
    import asyncio

    logger, stream = loop_stream()
    logger.info("in the loop")
    await asyncio.to_thread(logger.info, "in a thread")
    assert stream.lines[:2] == ["INFO in the loop", "INFO in a thread"]


def test_outside_a_loop_a_line_is_written_at_once() -> None:
    logger, stream = loop_stream()
    logger.info("at start")
    assert stream.writes == ["INFO at start\n"]


def test_a_line_left_waiting_when_the_loop_ends_is_written_at_shutdown() -> None:
    """The loop closed before the step that would write it (a stop): logging's shutdown
    flushes every handler, and the line is there."""
    import asyncio

    logger, stream = loop_stream()

    loop = asyncio.new_event_loop()

    def last_words() -> None:
        logger.info("stopping")
        loop.stop()  # the step ends the loop: the write the line waits for never runs

    loop.call_soon(last_words)
    loop.run_forever()
    loop.close()
    assert stream.writes == []
    logging.shutdown(handlerList=[weakref.ref(h) for h in logger.handlers])
    assert stream.lines == ["INFO stopping"]


async def asyncio_step() -> None:
    import asyncio

    await asyncio.sleep(0)


async def test_a_stream_that_fails_says_so_and_never_raises_into_the_loop(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The stream's reader gone (a broken pipe): logging's own complaint, as any handler makes
    it, and the loop goes on."""
    logger, stream = loop_stream()
    assert await what_reached_the_loop(logger, stream) == []
    assert "Logging error" in capsys.readouterr().err


async def test_where_even_the_complaint_fails_the_loop_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """sys.stderr itself closed: logging's complaint raises ValueError, which must reach
    neither the loop (a step's lines written later: it stopped the loop, and the bot with it)
    nor the code that logged (a warning at once: it stopped a stop half way, its lookups
    unwritten). Both found by the attacks of 2026-12-07."""
    import io

    logger, stream = loop_stream()
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stderr", closed)
    assert await what_reached_the_loop(logger, stream) == []
    logger.warning("Received SIGTERM signal")  # written at once: raises nothing into the caller
    other = logging.getLogger(f"{logger.name}.other")  # a line that never waits, the same
    other.handlers[:], other.propagate = logger.handlers, False
    other.error("lookup log: cannot write")


async def what_reached_the_loop(logger: logging.Logger, stream: Writes) -> list[object]:
    """A held line logged over ``stream`` broken (its reader gone), its step over: what the
    loop's exception handler was given."""
    import asyncio

    def broken(text: str) -> int:
        raise BrokenPipeError("the reader is gone")

    stream.write = broken  # type: ignore[method-assign]
    failed: list[object] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: failed.append(context))
    logger.info("update 1")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return failed


async def test_only_the_line_per_update_waits() -> None:
    """Any other record, an INFO one too (a start-up line, "lookup log closed"), is written
    at once: a line that says why the bot is stuck is never held behind a step."""
    import asyncio

    logger, stream = loop_stream()
    handler = logger.handlers[0]
    other = logging.getLogger(f"{logger.name}.other")  # not one of the held names
    other.handlers[:], other.propagate = [handler], False
    other.setLevel(logging.INFO)
    logger.info("update 1")
    other.info("reloaded the catalogs")
    assert stream.lines == ["INFO update 1", "INFO reloaded the catalogs"]
    await asyncio.sleep(0)
    assert len(stream.lines) == 2


def test_lines_held_by_a_loop_that_ended_go_with_the_next_loops_first_line() -> None:
    """A loop stopped before it wrote what it held: the next loop writes it at its first held
    line (before, its lines all waited for the interpreter's exit)."""
    import asyncio

    logger, stream = loop_stream()
    first = asyncio.new_event_loop()
    first.call_soon(lambda: (logger.info("A"), first.stop()))
    first.run_forever()
    first.close()
    assert stream.writes == []

    async def later() -> None:
        logger.info("B")
        assert stream.lines == ["INFO A"]  # written at once: its loop is gone
        await asyncio.sleep(0)

    asyncio.run(later())
    assert stream.lines == ["INFO A", "INFO B"]


async def test_at_debug_the_database_driver_never_writes_a_question_or_an_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """aiosqlite logs every statement with its parameters at DEBUG: a person's question and
    their Telegram id beside its pseudonym (found by an attack, 2026-12-07). LOG_LEVEL=DEBUG
    shows the bot's own debugging, never the drivers' statements."""
    import aiosqlite

    root = logging.getLogger()
    kept = root.handlers[:], root.level
    try:
        configure("DEBUG", [])
        async with aiosqlite.connect(tmp_path / "db.sqlite3") as db:
            await db.execute("CREATE TABLE t (question TEXT)")
            await db.execute("INSERT INTO t VALUES (?)", ("мій пароль сонечко",))
        logging.getLogger("bot").debug("the bot's own line")
        for handler in root.handlers:
            handler.flush()
    finally:
        root.handlers[:], level = kept
        root.setLevel(level)
    written = capsys.readouterr().err
    assert "the bot's own line" in written
    assert "сонечко" not in written and "INSERT" not in written
