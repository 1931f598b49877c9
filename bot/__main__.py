"""Command line: run (default), lookup, check, stats, export, migrate."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def _check(args: argparse.Namespace) -> int:
    from bot.catalog import load_catalogs
    from bot.environment import setting

    folder = args.folder or setting("CATALOGS_DIR")
    catalog, problems = load_catalogs(folder)
    for problem in problems:
        print(problem)
    if catalog is None:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(f"{folder}: {len(catalog)} providers, {catalog.entry_count()} entries, all valid")
    return 0


def _lookup(args: argparse.Namespace) -> int:
    from bot.catalog import load_catalogs
    from bot.environment import setting
    from bot.render import TEXT, render
    from bot.resolve import Outcome, Resolver

    catalog, problems = load_catalogs(args.catalogs or setting("CATALOGS_DIR"))
    if catalog is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    answer = Resolver(catalog).answer(" ".join(args.text))
    print("\n\n".join(render(answer, args.lang or _terminal_language(), TEXT, buttons=False)))
    found = answer.outcome not in (Outcome.NOT_FOUND, Outcome.HELP)
    return 0 if found else 1


def _terminal_language() -> str:
    """Russian for a Russian, Ukrainian, Belarusian or Kazakh locale, as in Telegram."""
    from bot.i18n import language_for

    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    return language_for((locale or "").split(".")[0].replace("_", "-"))


def build_parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    check = commands.add_parser("check", help="validate the catalogs")
    check.add_argument("folder", nargs="?", help="catalog folder (default: CATALOGS_DIR)")
    check.set_defaults(handler=_check)
    lookup = commands.add_parser("lookup", help="answer a question as the bot would, in plain text")
    lookup.add_argument("text", nargs="+", help='what a person would type, e.g. "gosms 1004"')
    lookup.add_argument("--lang", choices=["ru", "en"], help="answer language (default: locale)")
    lookup.add_argument("--catalogs", help="catalog folder (default: CATALOGS_DIR)")
    lookup.set_defaults(handler=_lookup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command in ("lookup", "check"):
        # These commands use no pydantic plugins, and looking for them scans every installed
        # distribution (about 20 ms of a lookup's start-up).
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
