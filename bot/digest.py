"""The weekly digest: the week's report against the week before, the gaps, the least helpful
answers and the radar's alerts, as chat paragraphs (Telegram HTML) or plain text (the command
line), and when the next one is due.

No aiogram here: ``python -m bot digest`` prints the same text the chats get.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.analytics.days import DAY_SECONDS
from bot.analytics.paragraphs import (
    MAX_LINES,
    feedback_lines,
    gap_lines,
    in_language,
    top_paragraph,
)
from bot.analytics.reports import Period, build_report, read_sqlite
from bot.catalog import Catalog
from bot.i18n import Lang, counted, t
from bot.markup import HTML, TEXT, Markup, one_line
from bot.radar.alerts import Alert
from bot.radar.names import named
from bot.radar.stored import Database, alerts_between

if TYPE_CHECKING:
    from bot.analytics.reports import Fetch
    from bot.analytics.store import Store

TOP = 10  # rows of the top errors and of the gaps
WORST = 5  # answers shown among the least helpful
WEEK_DAYS = 7

# A report of ``days`` days ending at ``now``, with ``top`` rows per list (Reports.report,
# PostgresStore.read_report, or build_report over SQLite's fetch).
ReportOf = Callable[[int, int, float], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Week:
    """What a digest says, as read from the database: the period's report, the report of the
    period just before it, and the radar's alerts that started in the period."""

    report: dict[str, Any]
    before: dict[str, Any]
    alerts: list[Alert]


async def gather(report_of: ReportOf, db: Database, days: int, now: float) -> Week:
    """The period of ``days`` days ending at ``now`` (UTC days, today included, as /stats
    counts them), the one before, and the alerts of the period."""
    report = await report_of(days, TOP, now)
    before = await report_of(days, TOP, now - days * DAY_SECONDS)
    bounds = Period.ending(days, now).params()
    alerts = await alerts_between(db, bounds["since"], bounds["until"])
    return Week(report, before, alerts)


class ReadOnly:
    """Named queries through a report's fetch (SQLite's read-only connection): enough for the
    reads the digest makes."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    async def fetch(self, name: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await self._fetch(name, dict(params))]

    async def execute(self, name: str, params: Mapping[str, Any]) -> int:
        raise PermissionError(f"{name}: the digest reads, it never writes")


def read_sqlite_week(path: Path, days: int, now: float) -> Week:
    """The week from the SQLite file at ``path``, read-only and in one transaction; a file not
    made yet is an empty week (and is not made)."""

    def work(fetch: Fetch) -> Coroutine[Any, Any, Week]:
        def report_of(days: int, top: int, now: float) -> Awaitable[dict[str, Any]]:
            return build_report(fetch, days, top, now)

        return gather(report_of, ReadOnly(fetch), days, now)

    return read_sqlite(path, work)


async def read_store_week(store: Store, days: int, now: float) -> Week:
    """The week from a store (PostgreSQL's, for the command line), closed after."""
    try:
        return await gather(store.read_report, store, days, now)
    finally:
        await store.close()


def digest_paragraphs(
    week: Week, catalog: Catalog, lang: Lang, tz: ZoneInfo, markup: Markup = HTML
) -> list[str]:
    """The digest as paragraphs: totals and their change, the top errors (people, change), the
    gaps, the least helpful answers, the radar's alerts (times in ``tz``)."""
    report = in_language(week.report, catalog, lang)
    days = counted("n_days", lang, report["period_days"])
    head = markup.bold(
        t("digest_title", lang).format(
            days=days, first=report["first_day"], last=report["last_day"]
        )
    )
    if not (report["total"] or week.before["total"] or week.alerts):
        return [f"{head}\n{markup.esc(t('stats_none', lang))}"]
    totals = t("digest_totals", lang).format(
        days=days,
        total=report["total"],
        total_change=_change(report, week.before, "total"),
        people=report["unique_users"],
        people_change=_change(report, week.before, "unique_users"),
        not_found=report["not_found"],
        not_found_change=_change(report, week.before, "not_found"),
    )
    parts = [f"{head}\n{markup.esc(totals)}"]
    if report["top"]:
        parts.append(top_paragraph(report["top"][:TOP], lang, markup))
    if report["gaps"]:
        lines = [markup.bold(t("digest_gaps", lang)), *gap_lines(report["gaps"][:TOP], markup)]
        parts.append("\n".join(lines))
    worst = [row for row in report["feedback"] if row["not_helpful"]][:WORST]
    if worst:
        lines = [markup.bold(t("digest_feedback", lang))]
        parts.append("\n".join(lines + feedback_lines(worst, markup, titled=True)))
    if week.alerts:
        lines = [markup.bold(t("digest_alerts", lang).format(zone=tz.key))]
        lines += [_alert_line(alert, catalog, lang, tz, markup) for alert in week.alerts]
        parts.append("\n".join(lines[: MAX_LINES + 1]))
    return parts


def digest_text(week: Week, catalog: Catalog, lang: Lang, tz: ZoneInfo) -> str:
    """The digest as plain text, for a terminal."""
    return "\n\n".join(digest_paragraphs(week, catalog, lang, tz, TEXT))


def _change(report: dict[str, Any], before: dict[str, Any], figure: str) -> str:
    return f"{report[figure] - before[figure]:+d}"


def _alert_line(alert: Alert, catalog: Catalog, lang: Lang, tz: ZoneInfo, markup: Markup) -> str:
    """One alert: what it was about as people type it, when it started, how many at the peak."""
    name = named(alert.key, catalog, lang)
    title = name.title or (t("radar_provider_wave", lang) if alert.kind == "provider" else "")
    said = markup.code(name.name) + (f" {markup.esc(one_line(title, 60))}" if title else "")
    usual = f"{alert.usual:.1f}".removesuffix(".0")
    when = datetime.fromtimestamp(alert.since, tz).strftime("%Y-%m-%d %H:%M")
    peak = counted("n_people", lang, alert.peak)
    figures = t("digest_alert_line", lang).format(time=when, peak=peak, usual=usual)
    return f"{said} — {markup.esc(figures)}"


def next_digest(now: float, at: tuple[int, int, int], tz: ZoneInfo) -> float:
    """The first time after ``now`` that is ``at`` (weekday, 0 Monday; hour; minute) on the
    clocks of ``tz``: "mon 09:00" is 09:00 local on either side of a daylight saving change.
    A time the clocks skip that night is sent as the clocks read then (an hour later); a time
    they show twice, at the first."""
    weekday, hour, minute = at
    today = datetime.fromtimestamp(now, tz).date()
    day = today + timedelta(days=(weekday - today.weekday()) % WEEK_DAYS)
    while True:
        due = datetime.combine(day, clock_time(hour, minute), tzinfo=tz).timestamp()
        if due > now:
            return due
        day += timedelta(days=WEEK_DAYS)


def last_digest(now: float, at: tuple[int, int, int], tz: ZoneInfo) -> float:
    """The latest time at or before ``now`` that a digest was due (see next_digest)."""
    due = next_digest(now - (WEEK_DAYS + 1) * DAY_SECONDS, at, tz)
    while (following := next_digest(due, at, tz)) <= now:
        due = following
    return due


def lease_name(due: float, tz: ZoneInfo) -> str:
    """The database lease of the digest due at ``due``: one per week, by its local date, so
    the first process to claim it sends it, and no other, nor a restart, sends it again."""
    return f"digest {datetime.fromtimestamp(due, tz).date().isoformat()}"
