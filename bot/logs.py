"""Logging: one readable line per event, secrets (the bot token, URL passwords) never written."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, TextIO

from bot.settings.urls import mask_urls, url_secrets

if TYPE_CHECKING:
    from bot.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
UPDATES = "bot.updates"  # the logger of the line per update (bot/telegram/middlewares.py)


class Redact(logging.Filter):
    """Replaces each secret in a record's message and traceback with ``<redacted>``.

    It runs on every record, one INFO line per update among them, so its patterns are built once
    and the URL masking runs only on a text that could hold what it masks (a cheap search first):
    on the update line's record that took the filter from 19.7 µs to 1.6-3.2 µs (timeit, on the
    busy 2-core VM of the README's benchmarks)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]
        self._redactor = Redactor(self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redactor(record.exc_text)
        record.msg, record.args = self._redactor(record.getMessage()), None
        return True


# What mask_urls can change needs one of these: a URL's "://", a key=value's "=", or a bot
# token's digits, colon and 30 characters. A text with none of them is left as it is.
_MAY_MASK = re.compile(r"://|=|\d:[A-Za-z0-9_-]{30}")


# A secret this long is itself wherever it stands, inside a longer word too (the token's secret
# part after a percent-encoded colon, "%3A"); a shorter one only where it stands whole.
LONG_SECRET = 16


class Redactor:
    """``redact`` with its secrets' pattern built once, for a filter that runs on every record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        long = "|".join(re.escape(s) for s in self._secrets if len(s) >= LONG_SECRET)
        short = "|".join(re.escape(s) for s in self._secrets if len(s) < LONG_SECRET)
        either = [f"(?:{long})" if long else "", rf"(?<!\w)(?:{short})(?!\w)" if short else ""]
        self._pattern = re.compile("|".join(filter(None, either))) if self._secrets else None

    def __call__(self, text: str) -> str:
        if _MAY_MASK.search(text):
            text = mask_urls(text)
        if self._pattern is not None and any(secret in text for secret in self._secrets):
            text = self._pattern.sub("<redacted>", text)
        return text


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every URL's password, secret query parameters, key=value passwords and
    bot tokens masked (``***``), then each secret replaced by ``<redacted>``: one of
    LONG_SECRET characters or more wherever it stands, a shorter one where it stands as a whole
    token, never inside a longer word (a password ``p`` leaves "polling" alone)."""
    return Redactor(secrets)(text)


def secrets_of(settings: Settings) -> list[str]:
    """What neither the log nor doctor may show: the bot token and its secret part (either may
    stand in WEBHOOK_URL's path), the webhook's and the analytics' secrets, and the password of
    every URL setting."""
    hidden = (settings.bot_token, settings.webhook_secret, settings.analytics_secret)
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    urls = (settings.database_url, settings.redis_url)
    return [
        *(secret.get_secret_value() for secret in hidden if secret is not None),
        token.partition(":")[2],
        *(s for url in urls if url is not None for s in url_secrets(url.get_secret_value())),
        *(s for url in (settings.webhook_url, settings.telegram_api_url) for s in url_secrets(url)),
    ]


class LoopStream(logging.StreamHandler[TextIO]):
    """A stream handler that holds the line per update (records of ``held`` loggers below
    WARNING, logged in the event loop) until the loop has finished the step that made them, and
    writes them together: one write for every update answered in that step, where each line was
    a write (and a flush) of its own. Every other record (a warning, a start-up or stop line, a
    record from another thread or from outside a loop) and ``flush`` (at exit too) write at
    once, after whatever waits, so the lines keep their order. Only the routine lines wait,
    for a step: a line that says why the bot is stuck is never held behind one. Their price: a
    step that hangs holds its updates' lines until it ends, and a SIGKILL meanwhile loses them
    (a SIGTERM or SIGINT does not: the stop runs the loop, and exit flushes).

    The line per update cost 25-80 µs of CPU end to end (LOG_LEVEL=WARNING against INFO,
    bench_e2e's load, four runs each), of which 14-20 µs its write and flush (timed where the
    bot logs, against 1.3 µs in a loop alone: a write lets go of Python's lock, which the lookup
    log's thread then takes). Written a step at a time, end to end against the handler before
    it, eight run pairs each: 514 -> 490 µs an update with every question different (cheaper in
    6 of 8), 452 -> 444 µs on the Zipf mix (5 of 8); in a full bench run after, level within
    the run's spread (README: Benchmarks)."""

    def __init__(self, stream: TextIO, held: Iterable[str] = ()) -> None:
        super().__init__(stream)
        self.held = frozenset(held)
        self._waiting: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop that will write them

    def emit(self, record: logging.LogRecord) -> None:
        self._guarded(partial(self._add, record), record)

    def _add(self, record: logging.LogRecord) -> None:
        """The record's line: held for the step, or written now."""
        line = self.format(record) + self.terminator
        if record.name in self.held and record.levelno < logging.WARNING:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                if self._waiting and loop is not self._loop:
                    self.flush()  # held by a loop that ended before it wrote them
                if not self._waiting:
                    loop.call_soon(self._guarded, self.flush, record)
                    self._loop = loop
                self._waiting.append(line)
                return
        self._waiting.append(line)
        self.flush()

    def _guarded(self, write: Callable[[], None], record: logging.LogRecord) -> None:
        """``write()``, a failure said as any handler says it (``handleError``)."""
        try:
            write()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:
        """logging's complaint about a line it could not write, on stderr; where even that
        fails (``sys.stderr`` closed: logging lets its ValueError out), nothing. A failing log
        must not fail the code that logged, nor the loop: it stopped a stop half way, its
        lookups unwritten (found by the attacks of 2026-12-07)."""
        with suppress(Exception):
            super().handleError(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # (Handler.__init__ makes it)
            if self._waiting:
                text = "".join(self._waiting)
                self._waiting.clear()
                self.stream.write(text)
            super().flush()


DRIVERS = ("aiosqlite", "asyncpg", "redis")


def configure(level: str, secrets: list[str]) -> None:
    """Log to stderr at ``level``; aiogram's own per-update lines are left to ours, and the
    database drivers' DEBUG lines, which carry every statement's parameters (a person's
    question, their Telegram id beside its pseudonym), are never written."""
    handler = LoopStream(sys.stderr, held=[UPDATES])
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, root.level))
    for driver in DRIVERS:
        logging.getLogger(driver).setLevel(max(logging.INFO, root.level))


def without_password(url: str) -> str:
    """A URL with its password (userinfo, query) hidden, for messages and logs."""
    return mask_urls(url)
