"""The digest as chat paragraphs (Telegram HTML) or plain text (the command line): totals and
their change, the top errors, the gaps, the least helpful answers, the radar's alerts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.analytics.paragraphs import (
    MAX_LINES,
    feedback_lines,
    gap_lines,
    handoff_entries_paragraph,
    in_language,
    top_paragraph,
)
from bot.core.catalog import Catalog
from bot.core.i18n import Lang, counted, t
from bot.core.markup import HTML, TEXT, Markup, one_line
from bot.digest.week import TOP, Week
from bot.radar.alerts import Alert
from bot.radar.names import named

WORST = 5  # answers shown among the least helpful


def digest_paragraphs(
    week: Week, catalog: Catalog, lang: Lang, tz: ZoneInfo, markup: Markup = HTML
) -> list[str]:
    """The digest as paragraphs: totals and their change, the top errors (people, change), the
    gaps, the answers that sent most people to a person, the least helpful answers, the radar's
    alerts (times in ``tz``)."""
    report = in_language(week.report, catalog, lang)
    days = counted("n_days", lang, report.period_days)
    head = markup.bold(
        t("digest_title", lang).format(days=days, first=report.first_day, last=report.last_day)
    )
    if not (report.total or week.before.total or week.alerts):
        return [f"{head}\n{markup.esc(t('stats_none', lang))}"]
    totals = t("digest_totals", lang).format(
        days=days,
        total=report.total,
        total_change=_change(report.total, week.before.total),
        people=report.unique_users,
        people_change=_change(report.unique_users, week.before.unique_users),
        not_found=report.not_found,
        not_found_change=_change(report.not_found, week.before.not_found),
    )
    parts = [f"{head}\n{markup.esc(totals)}"]
    if report.top:
        parts.append(top_paragraph(report.top[:TOP], lang, markup))
    if report.gaps:
        lines = [markup.bold(t("digest_gaps", lang)), *gap_lines(report.gaps[:TOP], markup)]
        parts.append("\n".join(lines))
    if report.handoff_entries:  # beside the gaps: the catalog's to-do list
        parts.append(handoff_entries_paragraph(report.handoff_entries[:TOP], lang, markup))
    worst = [row for row in report.feedback if row.not_helpful][:WORST]
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


def _change(now: int, before: int) -> str:
    return f"{now - before:+d}"


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
