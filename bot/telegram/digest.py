"""The weekly digest sent to DIGEST_CHAT_IDS at DIGEST_AT: once a week, by one process of the
several that may share the database, and never twice for the same week (not after a restart
either): the first to claim the week's lease in the database sends it."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile

from bot.analytics.chart import render_chart
from bot.analytics.paragraphs import in_language
from bot.analytics.reading import Reports
from bot.analytics.writer import LookupLog
from bot.core.i18n import t
from bot.core.library import Library
from bot.core.markup import HTML, split_messages
from bot.digest.schedule import digest_days, last_digest, lease_name, next_digest
from bot.digest.text import digest_paragraphs
from bot.digest.week import gather
from bot.settings import Settings
from bot.store import StorageUnavailable

logger = logging.getLogger(__name__)
LATE = 3 * 3600.0  # a digest not sent by then (database down, bot stopped) waits a week
RETRY = 300.0  # seconds between tries while the database fails
NAP = 3600.0  # the longest single sleep: a clock that jumps (suspend, NTP) is noticed


async def digest_loop(
    bot: Bot,
    lookups: LookupLog,
    library: Library,
    settings: Settings,
    holder: str,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Send the digest each week at DIGEST_AT until cancelled; a digest due less than LATE ago
    when the loop starts (a restart at 09:05) is sent then, unless some process has. Nothing
    raised here stops the bot: a failing database is logged once and retried until LATE.
    ``clock`` and ``sleep`` are the wall clock's: a test drives both."""
    if not settings.digest_chat_ids:
        return
    # A lease of this loop's own: a restart is another holder, so it cannot claim again a
    # week it has sent, whatever ``holder`` the process is given.
    holder = f"{holder} {secrets.token_hex(4)}"
    due = last_digest(clock(), settings.digest_at, settings.tz)
    if clock() - due >= LATE:
        due = next_digest(clock(), settings.digest_at, settings.tz)
    failing = False
    while True:
        await _sleep_until(due, clock, sleep)
        try:
            await send_digest(bot, lookups, library, settings, holder, due)
        except StorageUnavailable as exc:
            if not failing:
                logger.warning("weekly digest: the database is unavailable, retrying: %s", exc)
            failing = True
            if clock() + RETRY < due + LATE:
                await sleep(RETRY)
                continue
            logger.error(
                "%s not sent: the database stayed unavailable", lease_name(due, settings.tz)
            )
        except Exception:
            logger.exception("%s not sent", lease_name(due, settings.tz))
        failing = False
        due = next_digest(max(clock(), due), settings.digest_at, settings.tz)


async def send_digest(
    bot: Bot, lookups: LookupLog, library: Library, settings: Settings, holder: str, due: float
) -> bool:
    """Claim the digest due at ``due`` and send it to each chat; False if another holder has
    claimed it. A chat that cannot be written to (bot removed, chat gone) is logged and skipped.
    StorageUnavailable if the database cannot be used."""
    name = lease_name(due, settings.tz)
    if not await lookups.store.take_lease(name, holder, float("inf"), time.time()):
        logger.info("%s: claimed by another process", name)
        return False
    days = digest_days(due, settings.digest_at, settings.tz)
    week = await gather(Reports(lookups).report, lookups.store, days, due)
    lang, catalog = settings.team_lang, library.resolver.catalog
    messages = split_messages(digest_paragraphs(week, catalog, lang, settings.tz))
    png = None
    if week.report.total:
        report = in_language(week.report, catalog, lang)
        png = await asyncio.to_thread(render_chart, report, lang)
    sent = 0
    for chat in settings.digest_chat_ids:
        try:
            for message in messages:
                await bot.send_message(chat, message)
            if png is not None:
                photo = BufferedInputFile(png, filename=f"digest-{days}d.png")
                await bot.send_photo(chat, photo, caption=HTML.esc(t("stats_chart", lang)))
            sent += 1
        except TelegramAPIError as exc:
            logger.warning("%s not sent to chat %s: %s", name, chat, exc)
    logger.info("%s sent to %d of %d chat(s)", name, sent, len(settings.digest_chat_ids))
    return True


async def _sleep_until(
    moment: float, clock: Callable[[], float], sleep: Callable[[float], Awaitable[object]]
) -> None:
    """Sleep until the clock reads ``moment``, looking at it at least every NAP seconds."""
    # Waiting on the wall clock, not on an event: nothing could set one.
    while (left := moment - clock()) > 0:
        await sleep(min(left, NAP))
