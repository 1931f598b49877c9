"""The /stats picture: a PNG in the reader's language, drawn with or without data."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from bot.analytics.chart import render_chart
from bot.analytics.reports import read_report
from tests.support.lookups import NOW

PNG = b"\x89PNG\r\n\x1a\n"


def size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG header."""
    return struct.unpack(">II", png[16:24])


def a_week() -> dict[str, Any]:
    report = read_report(Path("no such database"), days=7, now=NOW)
    report.update(total=12, found=10, not_found=2)
    counts = [0, 1, 2, 0, 4, 3, 2]
    report["per_day"] = [
        {"day": day["day"], "count": n} for day, n in zip(report["per_day"], counts, strict=True)
    ]
    report["top"] = [
        {"provider": "gosms", "code": "1004", "title": "No devices registered", "count": 6,
         "users": 3, "previous": 1, "change": 5, "key": "1004"},
        {"provider": "radist", "code": None, "title": "A title far too long to fit beside its bar",
         "count": 4, "users": 2, "previous": 0, "change": 4, "key": "token-expired"},
    ]  # fmt: skip
    return report


def test_the_chart_is_a_png_with_labels_in_the_readers_language() -> None:
    english = render_chart(a_week(), "en")
    russian = render_chart(a_week(), "ru")
    assert english.startswith(PNG) and russian.startswith(PNG)
    assert size(english) == size(russian) == (900, 900)
    assert english != russian


def test_an_empty_period_still_draws_a_chart() -> None:
    empty = read_report(Path("no such database"), days=30, now=NOW)
    png = render_chart(empty, "ru")
    assert png.startswith(PNG)
    assert png != render_chart(a_week(), "ru")
