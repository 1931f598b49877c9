"""``python -m bot check [DIR]``: validate the catalogs, and the team's notes (TEAM_NOTES) against
them, each problem as ``file:line: ...``."""

from __future__ import annotations

import argparse
import sys


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    check = commands.add_parser("check", help="validate the catalogs (and TEAM_NOTES)")
    check.add_argument("folder", nargs="?", help="catalog folder (default: CATALOGS_DIR)")
    check.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0 when every catalog (and the notes file, if TEAM_NOTES is set) is valid, 1 with each
    problem printed."""
    from bot.cli.environment import catalog_settings as settings
    from bot.core.catalog_files import check_catalogs
    from bot.handoff.notes import load_notes

    folder = args.folder or settings().catalogs_dir
    catalog, problems = check_catalogs(folder)
    notes_path = settings().team_notes
    notes = None
    if catalog is not None and notes_path is not None:
        notes, notes_problems = load_notes(notes_path, catalog)
        problems += notes_problems
    for problem in problems:
        print(problem)
    if catalog is None or problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{folder}: {len(catalog)} providers, {catalog.entry_count()} entries, all valid")
    if notes is not None:
        print(f"{notes_path}: notes on {len(notes)} entries, all valid")
    return 0
