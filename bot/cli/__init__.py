"""The command line: one module per command (``add`` its grammar, ``run`` it); ``python -m bot``
only dispatches here. Each command imports what it needs when it runs, so that ``lookup`` and
``check`` start without the bot's libraries."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.cli import check, digest, doctor, export, lookup, migrate, radar, run, sources, stats

COMMANDS = (run, check, lookup, stats, export, radar, digest, migrate, doctor, sources)


def build_parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Codebook: run (default), lookup, check, stats, export, radar, digest, "
        "migrate, doctor, sources diff.",
    )
    parser.set_defaults(handler=run.run)
    commands = parser.add_subparsers(dest="command")
    for command in COMMANDS:
        command.add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from bot.cli.environment import catalog_settings, settings
    from bot.settings import SettingsError

    settings.cache_clear()  # read anew for each command (tests run several in one process)
    catalog_settings.cache_clear()
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
        if sys.stdout is not None:  # None where the bot was started with stdout closed (>&-)
            sys.stdout.flush()
    except SettingsError as exc:  # one line per problem; for lookup, 1 would mean "not found"
        for line in exc.lines:
            print(f"codebook: {line}", file=sys.stderr)
        return 2 if args.handler is lookup.run else 1
    except BrokenPipeError:
        # `stats | head -1` stopped reading: not an error. Point stdout at /dev/null so that
        # Python's final flush does not raise again on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return status
