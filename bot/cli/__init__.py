"""The command line: one module per command (``add`` its grammar, ``run`` it); ``python -m bot``
only dispatches here. Each command imports what it needs when it runs, so that ``lookup`` and
``check`` start without the bot's libraries."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

from bot.cli import check, digest, doctor, export, lookup, migrate, radar, run, sources, stats

COMMANDS = (run, check, lookup, stats, export, radar, digest, migrate, doctor, sources)
# What writing the output may meet: a full disk (> /dev/full), a device's failure, no output.
_CANNOT_WRITE = frozenset({errno.ENOSPC, errno.EIO, errno.EBADF, errno.EDQUOT, errno.EFBIG})


class _Parser(argparse.ArgumentParser):
    """argparse's parser, but for what it prints (help, usage) that cannot be written: argparse
    drops the error, and "--help > /dev/full" said nothing and exited 0 (an attack)."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            (file or sys.stderr).write(message)


def build_parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    parser = _Parser(
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
    if sys.stdout is None:  # started with stdout closed (>&-): what print drops, all do
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (it lives as long as the process)

    def command() -> int:
        args = build_parser().parse_args(argv)  # (--help, or a usage error: SystemExit)
        try:
            status: int = args.handler(args)
        except SettingsError as exc:  # one line per problem; for lookup, 1 means "not found"
            for line in exc.lines:
                print(f"codebook: {line}", file=sys.stderr)
            return 2 if args.handler is lookup.run else 1
        return status

    return _written(command)


def _written(command: Callable[[], int]) -> int:
    """The command's exit status once its output is written; 1, said in one line, when the
    output cannot be ("> /dev/full": a traceback ended every command, and --help's went
    unsaid with 0: attacks)."""
    try:
        try:
            status = command()
        finally:  # argparse's exit too: what it printed is output
            sys.stdout.flush()
    except BrokenPipeError:  # `stats | head -1` stopped reading: not an error
        _no_output()
        return 0
    except OSError as exc:
        if exc.errno not in _CANNOT_WRITE:
            raise
        print(f"codebook: cannot write the output: {exc.strerror}", file=sys.stderr)
        _no_output()
        return 1
    return status


def _no_output() -> None:
    """Whatever is left to write goes nowhere: Python's last flush on the way out would raise
    again (and exit 120)."""
    if sys.stdout is not None:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
