"""The support lead's commands: /stats, /gaps, /export, /reload (ADMIN_IDS only)."""

from __future__ import annotations

import asyncio
import logging
import math
import tempfile
import zipfile
from pathlib import Path

from aiogram import Bot, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.types import BufferedInputFile, ErrorEvent, FSInputFile, Message

from bot.analytics.chart import render_chart
from bot.analytics.paragraphs import MAX_LINES, gap_lines, in_language, stats_paragraphs
from bot.core.i18n import Lang, counted, language_for, t
from bot.core.library import Library, Reload
from bot.core.markup import HTML, split_messages
from bot.settings import Settings
from bot.store import StorageUnavailable
from bot.telegram.filters import IsAdmin, LooksLikeCommand, Period
from bot.telegram.handlers import Done, Handled
from bot.telegram.handlers.teach import gap_keyboard
from bot.telegram.private import report_chat
from bot.telegram.services import Services

logger = logging.getLogger(__name__)
ADMIN_COMMANDS = ("stats", "gaps", "export", "reload", "teach", "teach!", "radar")


async def refuse(message: Message, lang: Lang) -> Handled:
    """Anyone else gets a short refusal."""
    await message.reply(HTML.esc(t("admin_only", lang)))
    return Done.REFUSED


async def stats(
    message: Message,
    days: int,
    services: Services,
    library: Library,
    bot: Bot,
    lang: Lang,
) -> Handled:
    """The summary for a period (default a week) and a chart."""
    reports = services.reports
    report = in_language(await reports.report(days=days, top=10), library.resolver.catalog, lang)
    chat = await report_chat(message, bot, lang)
    if chat is None:
        return Done.REPORT_BLOCKED
    paragraphs = stats_paragraphs(report, lang)
    if reports.log.off_reason is not None:  # the report is right, but nothing new comes in
        off = HTML.fill("analytics_off", lang, reason=HTML.esc(reports.log.off_reason))
        paragraphs.insert(0, off)
    for part in split_messages(paragraphs):
        await bot.send_message(chat, part)
    if report.total:
        png = await asyncio.to_thread(render_chart, report, lang)
        photo = BufferedInputFile(png, filename=f"lookups-{days}d.png")
        await bot.send_photo(chat, photo, caption=HTML.esc(t("stats_chart", lang)))
    return Done.STATS


async def gaps(message: Message, days: int, services: Services, bot: Bot, lang: Lang) -> Handled:
    """What people asked that no catalog answers, most frequent first."""
    report = await services.reports.report(days=days, top=10)
    lines = [HTML.bold(t("gaps_title", lang).format(days=counted("n_days", lang, days)))]
    lines += gap_lines(report.gaps[:MAX_LINES]) or [HTML.esc(t("gaps_none", lang))]
    chat = await report_chat(message, bot, lang)
    if chat is None:
        return Done.REPORT_BLOCKED
    # A button per gap: press it, and answer with the entry it should have found.
    taught = gap_keyboard([row.query for row in report.gaps[:MAX_LINES]])
    await bot.send_message(chat, "\n".join(lines), reply_markup=taught)
    return Done.GAPS


# What Telegram lets a bot send as a document (the Bot API's sendDocument: 50 MB; a local Bot
# API server takes more, but TELEGRAM_API_URL may as well be a proxy or the test server, which
# do not: a third attack). A busy period's CSV was past it: refused as "Request Entity Too
# Large", the admin got "Something went wrong" each time (found by an attack: 622,000 lookups,
# 116 MB).
UPLOAD_LIMIT = 50 * 1000 * 1000


async def export(message: Message, days: int, services: Services, bot: Bot, lang: Lang) -> Handled:
    """The lookups of the period as a CSV file; zipped when it is too big for Telegram as it
    is; when even that is, the admin is told how to export it on the server instead."""
    name = f"lookups-{days}d"
    # On disk, not in memory: a busy month's CSV is 116 MB, held whole (encoded, zipped) it took
    # the bot near 1 GB. Each batch is written from the loop, where its CSV is made (a megabyte,
    # a millisecond); the zipping, seconds, in a thread. The folder goes whatever happens: a
    # failed send, a cancelled handler.
    with tempfile.TemporaryDirectory(prefix="codebook-export-") as folder:
        path = Path(folder) / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            await services.reports.export_csv(out, days=days)  # a batch at a time
        chat = await report_chat(message, bot, lang)
        if chat is None:
            return Done.REPORT_BLOCKED
        period = counted("n_days", lang, days)
        document = await asyncio.to_thread(_export_file, path, name)
        if isinstance(document, int):  # (its size rounded up: never "50.0 MB, more than 50 MB")
            size, most = f"{math.ceil(document / 1e5) / 10:.1f}", f"{UPLOAD_LIMIT / 1e6:.0f}"
            said = t("export_too_big", lang).format(days=period, size=size, most=most, number=days)
            await bot.send_message(chat, HTML.esc(said))
            return Done.EXPORT
        caption = HTML.esc(t("export_caption", lang).format(days=period))
        await bot.send_document(chat, document, caption=caption)
    return Done.EXPORT


def _export_file(path: Path, name: str) -> FSInputFile | int:
    """The CSV at ``path`` as a file Telegram takes (as it is, or zipped beside it), or the
    size of the smallest when none fits (a thread's work: zipping 100 MB takes seconds)."""
    if path.stat().st_size <= UPLOAD_LIMIT:
        return FSInputFile(path, filename=f"{name}.csv")
    packed = path.with_suffix(".zip")
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, f"{name}.csv")
    size = packed.stat().st_size
    if size <= UPLOAD_LIMIT:
        return FSInputFile(packed, filename=f"{name}.zip")
    return size


async def reload(message: Message, services: Services, lang: Lang) -> Handled:
    """Re-read the catalogs and swap them in, or keep the old ones and say why."""
    asked = services.reloads.ask()  # with any other reload asked meanwhile, as one
    await asyncio.wait([asked])
    if asked.cancelled():
        return Done.RELOAD_FAILED  # the bot is stopping: nothing to say
    result = asked.result()
    if result.problems:
        lines = [HTML.esc(t("reload_failed", lang))]
        lines += [HTML.code(str(problem)) for problem in result.problems[:MAX_LINES]]
        for part in split_messages(lines):
            await message.answer(part)
        return Done.RELOAD_FAILED
    await message.answer("\n".join(HTML.esc(line) for line in reload_lines(result, lang)))
    return Done.RELOADED


def reload_lines(result: Reload, lang: Lang) -> list[str]:
    """What a reload changed, for the admin who asked: counts now, and before when they moved."""
    after, before = result.after, result.before
    lines = [t("reload_ok", lang).format(**_sizes(after, lang))]
    if after == before:
        return lines
    lines.append(t("reload_before", lang).format(**_sizes(before, lang)))
    if result.removed:
        names = ", ".join(f"{name} ({before[name]})" for name in result.removed)
        lines.append(t("reload_removed", lang).format(names=names))
    if result.added:
        names = ", ".join(f"{name} ({after[name]})" for name in result.added)
        lines.append(t("reload_added", lang).format(names=names))
    if result.changed:
        names = ", ".join(f"{name} {old} → {new}" for name, old, new in result.changed)
        lines.append(t("reload_changed", lang).format(names=names))
    return lines


def _sizes(entries: dict[str, int], lang: Lang) -> dict[str, str]:
    """How many providers and errors, each with its noun (reload_ok, reload_before)."""
    providers = counted("n_providers", lang, len(entries))
    return {"providers": providers, "entries": counted("n_errors", lang, sum(entries.values()))}


async def analytics_unavailable(event: ErrorEvent, bot: Bot, settings: Settings) -> None:
    """The database cannot be used now: an admin is told why (lookups stay queued meanwhile);
    staff in the support chat that what they sent was not delivered; anyone else to try again,
    with no path or host of the server's."""
    message = event.update.message
    logger.warning("analytics unavailable for %s: %s", event.update.event_type, event.exception)
    if message is None:
        return
    user = message.from_user
    lang = language_for(user.language_code if user else None)
    if message.chat.id == settings.support_chat_id:
        text = HTML.esc(t("handoff_db_down_team", settings.team_lang))
    elif user is not None and user.id in settings.admin_ids:
        text = HTML.fill("analytics_unavailable", lang, reason=HTML.esc(str(event.exception)))
    else:
        text = HTML.esc(t("something_wrong", lang))
    thread = message.message_thread_id if message.is_topic_message else None
    await bot.send_message(message.chat.id, text, message_thread_id=thread)


async def bad_period(message: Message, lang: Lang) -> Handled:
    """``/stats soon``: how to give the period."""
    await message.reply(HTML.esc(t("days_usage", lang)))
    return Done.USAGE


def create_router() -> Router:
    """This module's handlers, in the order they are tried."""
    router = Router(name=__name__)
    router.message.filter(LooksLikeCommand())
    router.errors.register(analytics_unavailable, ExceptionTypeFilter(StorageUnavailable))
    router.message.register(refuse, Command(*ADMIN_COMMANDS, ignore_case=True), ~IsAdmin())
    router.message.register(stats, Command("stats", ignore_case=True), Period())
    router.message.register(gaps, Command("gaps", ignore_case=True), Period())
    router.message.register(export, Command("export", ignore_case=True), Period())
    router.message.register(bad_period, Command("stats", "gaps", "export", ignore_case=True))
    router.message.register(reload, Command("reload", ignore_case=True))
    return router
