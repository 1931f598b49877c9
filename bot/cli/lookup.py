"""``python -m bot lookup "gosms 1004" [--lang ru|en|uk]``: the answer as plain text."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.i18n import Lang


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    lookup = commands.add_parser("lookup", help="answer a question as the bot would, in plain text")
    lookup.add_argument("text", nargs="+", help='what a person would type, e.g. "gosms 1004"')
    lookup.add_argument(
        "--lang", choices=["ru", "en", "uk"], help="answer language (default: the locale's)"
    )
    lookup.add_argument("--catalogs", help="catalog folder (default: CATALOGS_DIR)")
    lookup.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0 found, 1 nothing found, 2 catalogs that do not load."""
    from bot.cli.environment import catalog_settings as settings
    from bot.core.answer import Outcome
    from bot.core.catalog_files import load_catalogs
    from bot.core.markup import TEXT
    from bot.core.render import render
    from bot.core.resolve import Resolver

    catalog, problems = load_catalogs(args.catalogs or settings().catalogs_dir)
    if catalog is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    answer = Resolver(catalog).answer(" ".join(args.text))
    print("\n\n".join(render(answer, args.lang or terminal_language(), TEXT, buttons=False)))
    found = answer.outcome not in (Outcome.NOT_FOUND, Outcome.HELP)
    return 0 if found else 1


def terminal_language() -> Lang:
    """The locale's language, as Telegram's is read: Ukrainian for uk, Russian for ru, be and
    kk, English otherwise."""
    from bot.core.i18n import language_for

    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    return language_for((locale or "").split(".")[0].replace("_", "-"))
