"""``python -m bot stats [--days N] [--top N] [--format table|json|csv]``: the lookup report."""

from __future__ import annotations

import argparse

from bot.cli.arguments import days, rows
from bot.cli.database import read, unusable


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    stats = commands.add_parser("stats", help="what people looked up, and what was missing")
    stats.add_argument("--days", type=days, default=7, help="days to report, today included")
    stats.add_argument(
        "--top", type=rows, default=10, help="rows in each list, 1 to 1000 (default 10)"
    )
    stats.add_argument(
        "--format", choices=["table", "json", "csv"], default="table", help="(default: table)"
    )
    stats.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0; 1 when the database cannot be read."""
    import json

    from bot.analytics.report_text import format_csv, format_table
    from bot.store import StorageUnavailable

    try:
        report = read(lambda store: store.report(args.days, args.top))
    except StorageUnavailable as exc:
        return unusable(exc)
    if args.format == "json":
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    elif args.format == "csv":
        print(format_csv(report), end="")
    else:
        print(format_table(report))
    return 0
