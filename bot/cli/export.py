"""``python -m bot export [--days N]``: the lookups as CSV on stdout."""

from __future__ import annotations

import argparse
import sys

from bot.cli.arguments import days
from bot.cli.database import database_path, failures, postgres, unusable


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    export = commands.add_parser("export", help="the lookups of the period as CSV on stdout")
    export.add_argument("--days", type=days, default=7, help="days to export, today included")
    export.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0; 1 when the database cannot be read."""
    import asyncio

    from bot.analytics.reports import write_export

    store = postgres()
    try:
        if store is not None:
            sys.stdout.write(asyncio.run(store.export_csv(args.days)))
        else:
            write_export(database_path(), sys.stdout, args.days)
    except BrokenPipeError:
        raise  # the reader went away (export | head): main() ends quietly
    except failures() as exc:
        return unusable(exc)
    return 0
