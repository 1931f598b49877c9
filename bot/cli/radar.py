"""``python -m bot radar --replay [--days N] [--csv FILE] [--format text|json]``: the alerts the
radar would have sent, from the database or an ``export`` CSV (bot/radar/history.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.arguments import days
from bot.cli.database import read, unusable


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    radar = commands.add_parser("radar", help="the alerts the radar would have sent")
    radar.add_argument(
        "--replay", action="store_true", required=True, help="replay the stored lookups"
    )
    radar.add_argument("--days", type=days, default=7, help="days to replay (default 7)")
    radar.add_argument("--csv", help="an export's CSV instead of the database")
    radar.add_argument("--format", choices=["text", "json"], default="text", help="(default: text)")
    radar.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0; 1 for catalogs, a CSV or a database that cannot be used."""
    import json
    import time

    from bot.cli.environment import settings as configured
    from bot.core.catalog_files import load_catalogs
    from bot.radar import history
    from bot.store import StorageUnavailable

    settings = configured().radar
    catalog, problems = load_catalogs(configured().catalogs_dir)
    if catalog is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    try:
        if args.csv:
            alerts, span = history.from_csv(Path(args.csv), args.days, settings)
        else:
            now = time.time()
            alerts, span = read(lambda store: history.from_store(store, args.days, settings, now))
    except history.BadCsv as exc:
        print(exc, file=sys.stderr)
        return 1
    except StorageUnavailable as exc:
        return unusable(exc)
    if args.format == "json":
        print(json.dumps(history.as_json(alerts, catalog), ensure_ascii=False, indent=2))
    else:
        print("\n".join(history.as_text(alerts, catalog, args.days, span, settings)))
    return 0
