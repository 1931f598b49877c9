"""``python -m bot export [--days N]``: the lookups as CSV on stdout."""

from __future__ import annotations

import argparse
import sys

from bot.cli.arguments import days
from bot.cli.database import read, unusable


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    export = commands.add_parser("export", help="the lookups of the period as CSV on stdout")
    export.add_argument("--days", type=days, default=7, help="days to export, today included")
    export.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0; 1 when the database cannot be read."""
    from bot.store import StorageUnavailable

    try:
        text = read(lambda store: store.export_csv(args.days))
    except StorageUnavailable as exc:
        return unusable(exc)
    sys.stdout.write(text)  # only once the database has answered: no header before an error
    return 0
