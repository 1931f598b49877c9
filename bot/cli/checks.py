"""The doctor's checks (``python -m bot doctor``): each returns a ✓ or ✗ ``Line`` that says
how to fix a failure. Nothing is changed: no database, key or webhook is made. The Bot API checks
give up after ``API_TIMEOUT`` seconds each."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.analytics.key import (
    SECRET_MIN,
    AnalyticsKeyError,
    beside_database,
    read_key_file,
)
from bot.files import can_be_made
from bot.logs import without_password

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.types import User, WebhookInfo

    from bot.settings import Settings
    from bot.store import Store

API_TIMEOUT = 10.0  # seconds for one call: the bot's own for its start's (session.START_TIMEOUT)
LOCAL_TIMEOUT = 2.0  # seconds for a /healthz on this machine (a port held by a silent program)
RECENT_ERROR = 3600.0  # a webhook delivery error younger than this fails the check
TELEGRAM = "https://api.telegram.org"


@dataclass(frozen=True)
class Line:
    """One checked thing: passed or not, what was found, and how to fix a failure."""

    ok: bool
    what: str
    found: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{'✓' if self.ok else '✗'} {self.what}: {self.found}"
        return f"{text}\n    → {self.fix}" if self.fix and not self.ok else text


def check_catalogs(folder: Path) -> Line:
    """The catalogs load, with the number of entries of each provider."""
    from bot.core.catalog_files import load_catalogs

    catalog, problems = load_catalogs(folder)
    if catalog is None:
        shown = "; ".join(map(str, problems[:3])) + (" ..." if len(problems) > 3 else "")
        fix = f"python -m bot check {folder} lists every problem as file:line"
        return Line(False, "catalogs", f"{len(problems)} problem(s): {shown}", fix)
    counts = ", ".join(f"{pc.provider.name} {len(pc.entries)}" for pc in catalog)
    return Line(True, "catalogs", f"{catalog.entry_count()} entries in {folder} ({counts})")


async def check_database(store: Store) -> Line:
    """The database can be written and is at the schema this code writes (or can be made)."""
    from bot.store.schema import MigrationsMissing, latest_version

    try:
        latest_version()
    except MigrationsMissing as exc:
        return Line(False, "database", str(exc))
    checked = await store.examine()
    return Line(checked.ok, "database", checked.found, checked.fix)


def check_spill(path: Path) -> Line:
    """Where a stop puts the lookups the database could not take (with PostgreSQL, a file of
    this process's own) can be written: doctor passed a read-only folder, and a stop with
    PostgreSQL away then lost them (an attack)."""
    if path.is_dir() or (path.exists() and not path.is_file()):  # a folder, a FIFO, a device
        what = "a folder" if path.is_dir() else "no regular file"
        return Line(False, "spill file", f"{path} is {what}", "remove it, or move it away")
    if can_be_made(path):
        return Line(True, "spill file", f"{path} can be written, if a stop ever needs it")
    fix = "run the bot where it may write, or set DATABASE_PATH: the spill file goes beside it"
    return Line(False, "spill file", f"cannot make {path}", fix)


async def check_redis(url: str) -> Line:
    """REDIS_URL answers: without it, replicas keep limits and locks of their own."""
    import redis.asyncio as redis

    where = without_password(url)
    client = redis.Redis.from_url(url, socket_timeout=API_TIMEOUT, socket_connect_timeout=5)
    try:
        await client.ping()
        info = await client.info("server")
    except (OSError, redis.RedisError) as exc:
        fix = "check REDIS_URL and that Redis runs (the bot answers without it, unshared)"
        return Line(False, "Redis", f"cannot reach {where}: {exc}", fix)
    finally:
        await client.aclose()
    return Line(True, "Redis", f"{where} answers (Redis {info.get('redis_version', '?')})")


WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ones Telegram delivers a webhook to


def check_webhook_url(url: str) -> Line | None:
    """What Telegram's own Bot API refuses in a webhook's address (a local Bot API server
    takes any): not https, or a port other than 443, 80, 88 and 8443; None when fine."""
    parts = urlsplit(url)
    port = parts.port or 443
    if parts.scheme == "https" and port in WEBHOOK_PORTS:
        return None
    fix = "use https://, on port 443, 80, 88 or 8443 (a proxy may serve WEBHOOK_PORT there)"
    return Line(False, "settings", f"Telegram delivers webhooks to no {without_password(url)}", fix)


def misspelt(names: Iterable[str], settings: Iterable[str]) -> list[Line]:
    """A line for each name given (in the environment or .env) that is a slip of a setting's
    (DATABSE_URL, REDIS_URI, BOT_TOKN): ignored without a word, it left the bot on SQLite."""
    known = {name.upper() for name in settings}
    lines = []
    for name in sorted(name for name in set(names) if name.upper() not in known):  # any case
        close = get_close_matches(name.upper(), known, n=1, cutoff=0.85)
        if close:
            fix = f"rename it {close[0]}"
            lines.append(Line(False, "settings", f"{name} is no setting of Codebook's", fix))
    return lines


async def check_port(setting: str, host: str, port: int) -> Line:
    """The port the bot will serve on (WEBHOOK_PORT, or METRICS_PORT while polling) can be had:
    bound and let go at once, as aiohttp's server binds it. Held by a Codebook that runs already
    (its /healthz answers there) passes: doctor is run beside a live bot too."""
    where = f"{setting} {port} on {host}"
    address = setting.replace("_PORT", "_HOST")
    try:
        server = await asyncio.get_running_loop().create_server(asyncio.Protocol, host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            if await _codebook_at(host, port):
                return Line(True, "port", f"{where}: served by a running Codebook (/healthz)")
            fix = f"stop what holds it, or set {setting} to a free port"
        elif exc.errno == errno.EACCES:
            fix = f"a port below 1024 needs root or CAP_NET_BIND_SERVICE: set {setting} above it"
        else:
            fix = f"set {address} to an address of this machine (0.0.0.0: every one)"
        # (asyncio says the address again around the system's reason; a name lookup's own)
        code = exc.errno or 0
        reason = os.strerror(code) if code > 0 else exc.strerror or str(exc)
        return Line(False, "port", f"{where}: {reason}", fix)
    server.close()
    await server.wait_closed()
    return Line(True, "port", f"{where}: free")


async def _codebook_at(host: str, port: int) -> bool:
    """Whether what answers on ``port`` is a Codebook's /healthz (its status and catalogs)."""
    import aiohttp

    near = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    url = f"http://{f'[{near}]' if ':' in near else near}:{port}/healthz"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=LOCAL_TIMEOUT)) as http,
            http.get(url, allow_redirects=False) as response,  # what is there, not elsewhere
        ):
            body = json.loads(await response.content.read(1 << 16))  # a Codebook's is ~300 B
    except (TimeoutError, aiohttp.ClientError, ValueError, RecursionError):
        return False
    return isinstance(body, dict) and {"status", "catalogs"} <= body.keys()


def check_key(secret: str, key_file: Path, database: Path) -> Line:
    """The pseudonyms' key is set, or its file is sound and kept apart from the database."""
    if secret:
        if len(secret) < SECRET_MIN:
            fix = "python -c 'import secrets; print(secrets.token_hex())' makes a good one"
            found = f"ANALYTICS_SECRET is shorter than {SECRET_MIN} characters"
            return Line(False, "analytics key", found, fix)
        return Line(True, "analytics key", "ANALYTICS_SECRET is set")
    apart = "set ANALYTICS_KEY_FILE outside the database's folder, and move the key there"
    # Said before the first start too: passed then, the bot made the key there (an attack).
    if beside_database(key_file, database):
        return Line(False, "analytics key", f"{key_file} lies beside the database", apart)
    if not key_file.exists():
        legacy = database.parent / key_file.name
        if legacy.is_file():
            return Line(True, "analytics key", f"{legacy} moves to {key_file} at start")
        if not can_be_made(key_file):
            fix = "set ANALYTICS_KEY_FILE to a writable place"
            return Line(False, "analytics key", f"cannot make {key_file}", fix)
        return Line(True, "analytics key", f"none yet: the bot makes {key_file} when it starts")
    try:
        read_key_file(key_file)
    except AnalyticsKeyError as exc:
        return Line(False, "analytics key", str(exc))
    if key_file.stat().st_mode & 0o077:
        fix = f"chmod 600 {key_file}"
        return Line(False, "analytics key", f"{key_file} can be read by others", fix)
    return Line(True, "analytics key", f"{key_file}")


async def check_telegram(settings: Settings) -> list[Line]:
    """The token (getMe), inline mode, and the webhook Telegram has against the one set."""
    from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramNetworkError
    from aiogram.exceptions import TelegramUnauthorizedError as Unauthorized

    from bot.telegram.app import create_bot
    from bot.telegram.session import timed_out, undecoded

    server = settings.telegram_api_url or TELEGRAM
    bot = create_bot(settings, retry=False)
    try:
        timeout = int(API_TIMEOUT)
        me = await asyncio.wait_for(bot.get_me(request_timeout=timeout), API_TIMEOUT + 1)
        webhook = await asyncio.wait_for(
            bot.get_webhook_info(request_timeout=timeout), API_TIMEOUT + 1
        )
        support = []
        if settings.support_chat_id is not None:
            support.append(await _support_chat(bot, settings.support_chat_id))
    except Unauthorized:
        fix = "copy the token again from @BotFather (/mybots → API Token)"
        return [Line(False, "Bot API", f"{server} refused the token", fix)]
    except (TelegramNetworkError, TimeoutError, OSError) as exc:
        reason = str(exc) or type(exc).__name__  # the token in it is hidden by examine
        if timed_out(exc):  # (as the bot says it: "HTTP Client says - Request timeout error")
            reason = f"no answer within {API_TIMEOUT:g} s"
        fix = "check the network, or TELEGRAM_API_URL"
        return [Line(False, "Bot API", f"cannot reach {server}: {reason}", fix)]
    except TelegramAPIError as exc:
        return [Line(False, "Bot API", f"{server} answered: {exc.message}")]
    except ClientDecodeError as exc:  # a web server's error page: a proxy, a wrong path
        fix = "check TELEGRAM_API_URL: it should be the Bot API server's address, no path"
        said = f"{server} answered what is no Bot API reply: {undecoded(exc)}"
        return [Line(False, "Bot API", said, fix)]
    finally:
        await bot.session.close()
    return [
        Line(True, "Bot API", f"token accepted: @{me.username} (id {me.id}) at {server}"),
        _inline(me),
        _webhook(webhook, settings.webhook_url),
        *support,
    ]


async def _support_chat(bot: Bot, chat_id: int) -> Line:
    """SUPPORT_CHAT_ID is a forum where the bot is an admin allowed to manage topics."""
    from aiogram.exceptions import TelegramAPIError

    from bot.telegram.relay import support_problem

    how = "see the README's Handoff: the bot an admin of a forum supergroup, with Manage topics"
    try:
        chat = await asyncio.wait_for(bot.get_chat(chat_id), API_TIMEOUT + 1)
        member = await asyncio.wait_for(bot.get_chat_member(chat_id, bot.id), API_TIMEOUT + 1)
    except TelegramAPIError as exc:
        return Line(False, "support chat", f"{chat_id}: {exc.message}", how)
    problem = support_problem(bool(chat.is_forum), member, chat.type)
    if problem is not None:
        return Line(False, "support chat", f"{chat.title or chat_id}: {problem}", how)
    return Line(True, "support chat", f"{chat.title or chat_id}: a forum, the bot manages topics")


def check_team_notes(path: Path, folder: Path) -> Line:
    """TEAM_NOTES reads, and names only providers and codes the catalogs have."""
    from bot.core.catalog_files import load_catalogs
    from bot.handoff.notes import load_notes

    catalog, _ = load_catalogs(folder)
    if catalog is None:
        return Line(False, "team notes", f"{path}: not checked", "fix the catalogs above first")
    notes, problems = load_notes(path, catalog)
    if notes is None:
        shown = "; ".join(map(str, problems[:3])) + (" ..." if len(problems) > 3 else "")
        fix = "python -m bot check lists every problem as file:line"
        return Line(False, "team notes", f"{len(problems)} problem(s): {shown}", fix)
    return Line(True, "team notes", f"{path}: notes on {len(notes)} entries")


def _inline(me: User) -> Line:
    if me.supports_inline_queries:
        return Line(True, "inline mode", "on: @bot queries work in any chat")
    fix = f"send /setinline to @BotFather and pick @{me.username}"
    return Line(False, "inline mode", "off: @bot queries in other chats get nothing", fix)


def _webhook(info: WebhookInfo, configured: str | None) -> Line:
    pending = f"{info.pending_update_count} update(s) waiting"
    if info.last_error_date is not None and info.last_error_message:
        age = time.time() - info.last_error_date.timestamp()
        if age < RECENT_ERROR and info.url:
            found = f"{info.url}: the last delivery failed {age / 60:.0f} min ago: "
            fix = "make WEBHOOK_URL reach this bot over HTTPS (ports 443, 80, 88 or 8443)"
            return Line(False, "webhook", found + info.last_error_message, fix)
    if configured is None:
        if info.url:
            fix = "stop the deployment that uses it, or set WEBHOOK_URL here to it"
            found = f"Telegram delivers to {info.url}, but this bot is set for long polling"
            return Line(False, "webhook", f"{found} (and would delete it)", fix)
        return Line(True, "webhook", f"none registered, long polling receives ({pending})")
    if not info.url:
        return Line(True, "webhook", "not registered yet: the bot registers it at start")
    if info.url != configured:
        fix = "stop the deployment that uses it, or set WEBHOOK_URL to it"
        return Line(False, "webhook", f"Telegram delivers to {info.url}, not {configured}", fix)
    return Line(True, "webhook", f"{info.url} ({pending})")
