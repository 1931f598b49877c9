"""Reports as text for a terminal: an aligned table, or the top list as CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from bot.analytics.reports import Report, TopEntry

_SIGNED = re.compile(r"[+-]\d+")
CSV_COLUMNS = ("provider", "code", "title", "count", "users", "previous", "change")


def format_table(report: Report) -> str:
    """The report as aligned text for a terminal."""
    lines = [
        f"Lookups, {report.period_days} days: {report.first_day} to {report.last_day} (UTC)",
        "",
        f"total {report.total}  ·  found {report.found}  ·  several {report.several}  ·  "
        f"not found {report.not_found}  ·  not an error {report.not_an_error}  ·  "
        f"people {report.unique_users}",
        "",
        "Most looked up",
    ]
    lines += _aligned(
        ["#", "provider", "code", "title", "count", "people", "before", "change"],
        [_top_row(n, entry) for n, entry in enumerate(report.top, 1)],
    )
    lines += ["", "Asked, not in any catalog"]
    lines += _aligned(["count", "query"], [[gap.count, gap.query] for gap in report.gaps])
    lines += ["", "Feedback"]
    lines += _aligned(
        ["provider", "code", "title", "helpful", "not helpful"],
        [[f.provider, f.code or "-", f.title, f.helpful, f.not_helpful] for f in report.feedback],
    )
    return "\n".join(lines)


def _top_row(n: int, e: TopEntry) -> list[Any]:
    return [n, e.provider, e.code or "-", e.title, e.count, e.users, e.previous, f"{e.change:+d}"]


def format_csv(report: Report) -> str:
    """The report's top list as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([getattr(entry, column) for column in CSV_COLUMNS] for entry in report.top)
    return out.getvalue()


def _aligned(headers: list[str], rows: list[list[Any]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    table = [headers, *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    # Numbers line up on the right, words on the left.
    right = [isinstance(cell, int) or _SIGNED.fullmatch(str(cell)) for cell in rows[0]]
    return [
        "  "
        + "  ".join(
            cell.rjust(width) if flush else cell.ljust(width)
            for cell, width, flush in zip(row, widths, right, strict=True)
        ).rstrip()
        for row in table
    ]
