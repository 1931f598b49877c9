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
    """0; 1 when the database cannot be read (said in one line on stderr, after what was
    written: nothing, when it failed before its first batch, so no header before an error)."""
    from bot.store import StorageUnavailable

    try:  # each batch written to stdout as it is read, a busy month held a batch at a time
        read(lambda store: store.export_csv(args.days, sys.stdout))
    except StorageUnavailable as exc:
        return unusable(exc)
    return 0
