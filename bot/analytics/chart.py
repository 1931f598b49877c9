"""The /stats picture: lookups per day and the errors looked up most, as a PNG."""

from __future__ import annotations

import io
from functools import cache
from typing import cast

from bot.analytics.reports import Report, TopEntry
from bot.core.i18n import LANGUAGES, Lang, counted
from bot.data import read_text

_BAR = "#3b82c4"
_TOP = 10
_TITLE_LIMIT = 40


def render_chart(report: Report, lang: str) -> bytes:
    """A PNG of ``report``: lookups per day (bars) and the top ten errors (horizontal bars).

    Call it in a thread (``asyncio.to_thread``): drawing takes a good part of a second.
    """
    # Figure + the Agg canvas, not pyplot: no global figure state to share between threads.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure, SubFigure
    from matplotlib.ticker import MaxNLocator

    words = _labels(lang)
    figure = Figure(figsize=(9, 9), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(chart_heading(report, lang), fontsize=13)
    # Two subfigures, so that the long entry labels below do not push the days chart aside.
    days_figure, top_figure = cast("list[SubFigure]", figure.subfigures(2, 1, height_ratios=[2, 3]))
    days_axes, top_axes = days_figure.subplots(), top_figure.subplots()

    days = report.per_day
    days_axes.bar(range(len(days)), [day.count for day in days], color=_BAR)
    step = max(1, len(days) // 10)  # at most about ten dates under the bars
    days_axes.set_xticks(range(0, len(days), step), [day.day[5:] for day in days][::step])
    days_axes.set_title(words["per_day"], loc="left")
    days_axes.set_ylabel(words["count"])
    days_axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # no half lookups

    top = report.top[:_TOP]
    top_axes.set_title(words["top"], loc="left")
    if top:
        top_axes.barh(range(len(top)), [entry.count for entry in top], color=_BAR)
        top_axes.set_yticks(range(len(top)), [_entry_label(entry) for entry in top])
        top_axes.invert_yaxis()  # the most looked-up first, at the top
        top_axes.set_xlabel(words["count"])
        top_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        top_axes.set_axis_off()
        top_axes.text(0.5, 0.5, words["nothing"], ha="center", va="center", fontsize=12)

    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def chart_heading(report: Report, lang: str) -> str:
    """The chart's title: the period, how many lookups, how many found nothing."""
    language = _language(lang)
    return _labels(lang)["heading"].format(
        days=counted("n_days", language, report.period_days),
        total=counted("n_lookups", language, report.total),
        not_found=report.not_found,
    )


def _entry_label(entry: TopEntry) -> str:
    title = entry.title
    if len(title) > _TITLE_LIMIT:
        title = title[: _TITLE_LIMIT - 1] + "…"
    return f"{entry.provider} {entry.code or entry.key} · {title}"


@cache
def _labels(lang: str) -> dict[str, str]:
    import yaml

    labels = yaml.safe_load(read_text("bot.analytics", "chart.yaml"))
    return {name: text[_language(lang)] for name, text in labels.items()}


def _language(lang: str) -> Lang:
    """The chart's language: the reader's, or English for one the bot does not speak."""
    return next((known for known in LANGUAGES if known == lang), "en")
