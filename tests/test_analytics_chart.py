"""The /stats picture: a PNG in the reader's language, drawn with or without data."""

from __future__ import annotations

import struct
from dataclasses import replace

from bot.analytics.chart import render_chart
from bot.analytics.reports import DayCount, Report, TopEntry
from tests.support.lookups import NOW

PNG = b"\x89PNG\r\n\x1a\n"


def size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG header."""
    return struct.unpack(">II", png[16:24])


def a_week() -> Report:
    empty = Report.empty(days=7, now=NOW)
    counts = [0, 1, 2, 0, 4, 3, 2]
    per_day = [DayCount(day.day, n) for day, n in zip(empty.per_day, counts, strict=True)]
    top = [
        TopEntry("gosms", "1004", "No devices registered", 6, 3, 1, 5, "1004"),
        TopEntry("radist", None, "A title far too long to fit beside its bar", 4, 2, 0, 4,
                 "token-expired"),
    ]  # fmt: skip
    return replace(empty, total=12, found=10, not_found=2, per_day=per_day, top=top)


def test_the_chart_is_a_png_with_labels_in_the_readers_language() -> None:
    english = render_chart(a_week(), "en")
    russian = render_chart(a_week(), "ru")
    assert english.startswith(PNG) and russian.startswith(PNG)
    assert size(english) == size(russian) == (900, 900)
    assert english != russian


def test_an_empty_period_still_draws_a_chart() -> None:
    empty = Report.empty(days=30, now=NOW)
    png = render_chart(empty, "ru")
    assert png.startswith(PNG)
    assert png != render_chart(a_week(), "ru")
