"""Reports as paragraphs for a chat (Telegram HTML) or a terminal (plain text): /stats, /gaps
and the weekly digest say the same things the same way. No aiogram here: the command line's
``digest`` uses it too."""

from __future__ import annotations

from bot.analytics.reports import Feedback, Gap, Report, TopEntry
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
    return parts


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


def entry_name(row: TopEntry | Feedback) -> str:
    """An entry of a report as people type it: ``gosms 1004``."""
    return f"{row.provider} {row.code or ''}".strip()
