"""``python -m bot check [DIR]``: validate the catalogs, each problem as ``file:line: ...``."""

from __future__ import annotations

import argparse
import sys


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    check = commands.add_parser("check", help="validate the catalogs")
    check.add_argument("folder", nargs="?", help="catalog folder (default: CATALOGS_DIR)")
    check.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0 when every catalog is valid, 1 with each problem printed."""
    from bot.cli.environment import settings
    from bot.core.catalog_files import check_catalogs

    folder = args.folder or settings().catalogs_dir
    catalog, problems = check_catalogs(folder)
    for problem in problems:
        print(problem)
    if catalog is None:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{folder}: {len(catalog)} providers, {catalog.entry_count()} entries, all valid")
    return 0
