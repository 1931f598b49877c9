"""Command line: run (default), lookup, check, stats, export, migrate."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _check(args: argparse.Namespace) -> int:
    from bot.catalog import load_catalogs
    from bot.config import catalogs_dir

    folder = args.folder or catalogs_dir()
    catalog, problems = load_catalogs(folder)
    for problem in problems:
        print(problem)
    if catalog is None:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(f"{folder}: {len(catalog)} providers, {catalog.entry_count()} entries, all valid")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    check = commands.add_parser("check", help="validate the catalogs")
    check.add_argument("folder", nargs="?", help="catalog folder (default: CATALOGS_DIR)")
    check.set_defaults(handler=_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
