"""Reports as paragraphs for a chat (Telegram HTML) or a terminal (plain text): /stats, /gaps
and the weekly digest say the same things the same way. No aiogram here: the command line's
``digest`` uses it too."""

from __future__ import annotations

from bot.analytics.reports import Feedback, Gap, HandoffEntry, Report, TopEntry
from bot.core.catalog import Catalog
from bot.core.i18n import Lang, counted, t
from bot.core.markup import HTML, Markup, one_line

MAX_LINES = 20  # lines of a list shown in a chat; the CSV has everything


def in_language(report: Report, catalog: Catalog, lang: Lang) -> Report:
    """The report with each entry's title as the catalogs in use say it in ``lang`` (the log
    keeps the English title of the day; an entry since removed keeps that one)."""
    return report.retitled(
        {
            (pc.provider.slug, entry.key): entry.title.get(lang)
            for pc in catalog
            for entry in pc.entries
        }
    )


def stats_paragraphs(report: Report, lang: Lang, markup: Markup = HTML) -> list[str]:
    """The report as chat paragraphs: totals, top errors with change, ratings."""
    days = counted("n_days", lang, report.period_days)
    head = markup.bold(t("stats_title", lang).format(days=days))
    if not report.total:
        return [f"{head}\n{markup.esc(t('stats_none', lang))}"]
    totals = t("stats_totals", lang).format(
        total=report.total,
        found=report.found,
        several=report.several,
        not_found=report.not_found,
        not_an_error=report.not_an_error,
        users=report.unique_users,
    )
    parts = [f"{head}\n{markup.esc(totals)}"]
    if report.top:
        parts.append(top_paragraph(report.top, lang, markup))
    if report.feedback:
        lines = [markup.bold(t("stats_feedback", lang))]
        lines += feedback_lines(report.feedback, markup)
        parts.append("\n".join(lines))
    return parts + handoff_paragraphs(report, lang, markup)


def handoff_paragraphs(report: Report, lang: Lang, markup: Markup = HTML) -> list[str]:
    """Handoff to the support team: how many, how fast the first reply, how they ended, and
    the answers that sent most people to a person (nothing when there was no handoff)."""
    if not (report.handoffs or report.conversations_open):
        return []
    totals = t("stats_handoffs", lang).format(
        handoffs=report.handoffs,
        open=report.conversations_open,
        median=duration(report.first_reply_median, lang),
        p90=duration(report.first_reply_p90, lang),
        solved=report.closed_solved,
        not_solved=report.closed_not_solved,
        none=report.closed_no_verdict,
    )
    parts = [markup.esc(totals)]
    if report.handoff_entries:
        parts.append(handoff_entries_paragraph(report.handoff_entries, lang, markup))
    return parts


def handoff_entries_paragraph(rows: list[HandoffEntry], lang: Lang, markup: Markup = HTML) -> str:
    """The answers after which most people asked for a person, with their deflection."""
    lines = [markup.bold(t("stats_handoff_entries", lang))]
    for number, row in enumerate(rows[:MAX_LINES], 1):
        deflected = "—" if row.deflection is None else f"{row.deflection:.0%}"
        detail = t("stats_handoff_line", lang).format(
            handoffs=row.handoffs, lookups=row.lookups, deflected=deflected
        )
        lines.append(
            f"{number}. {markup.code(entry_name(row))} {markup.esc(one_line(row.title, 60))}"
            f" — {markup.esc(detail)}"
        )
    return "\n".join(lines)


def duration(seconds: float | None, lang: Lang) -> str:
    """``45 s``, ``14 min``, ``2 h 5 min``; ``—`` for none."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return t("duration_seconds", lang).format(n=round(seconds))
    minutes = round(seconds / 60)
    if minutes < 60:
        return t("duration_minutes", lang).format(n=minutes)
    return t("duration_hours", lang).format(n=minutes // 60, m=minutes % 60)


def top_paragraph(rows: list[TopEntry], lang: Lang, markup: Markup = HTML) -> str:
    """The entries looked up most: how often, by how many people, and the change on the
    period before."""
    lines = [markup.bold(t("stats_top", lang))]
    for number, row in enumerate(rows[:MAX_LINES], 1):
        detail = t("stats_top_line", lang).format(
            times=counted("n_times", lang, row.count),
            people=counted("n_people", lang, row.users),
            change=f"{row.change:+d}",
        )
        lines.append(
            f"{number}. {markup.code(entry_name(row))} {markup.esc(one_line(row.title, 60))}"
            f" — {markup.esc(detail)}"
        )
    return "\n".join(lines)


def feedback_lines(rows: list[Feedback], markup: Markup = HTML, titled: bool = False) -> list[str]:
    """Each rated entry with its votes (and its title, when ``titled``)."""
    lines = []
    for row in rows[:MAX_LINES]:
        name = markup.code(entry_name(row))
        if titled and row.title:
            name += f" {markup.esc(one_line(row.title, 60))} —"
        lines.append(f"{name} 👍 {row.helpful} 👎 {row.not_helpful}")
    return lines


def gap_lines(rows: list[Gap], markup: Markup = HTML) -> list[str]:
    """What people asked that nothing answered, with how often."""
    return [f"{row.count} × {markup.code(one_line(row.query, 80))}" for row in rows]


def entry_name(row: TopEntry | Feedback | HandoffEntry) -> str:
    """An entry of a report as people type it: ``gosms 1004``."""
    return f"{row.provider} {row.code or ''}".strip()
